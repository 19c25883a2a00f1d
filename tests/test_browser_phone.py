"""ESAPR on a phone, for real: `python main.py serve --https` serves the local network with a locally made
certificate, and Chromium with a phone's profile (390x844, touch, mobile) installs it and answers through it.

- The server's certificate verifies against the local authority a phone installs, for the address a phone uses.
- The page is a secure context (camera and microphone allowed), the manifest has no error and the page is
  installable (Chromium's own checks, through the DevTools protocol), the service worker runs.
- The worker's cache holds the app shell and nothing else, after results, /my and the API were used; offline,
  a page opens as the offline page.
- The interview's live video answer (fake camera) and voice answer (fake microphone, when the speech model is
  installed) go through the HTTPS server to the written step.

A test profile cannot be made to trust a new authority the way a phone is, so Chromium is told to trust the
server certificate's key (``--ignore-certificate-errors-spki-list``, which needs a profile folder of its own):
the page then counts as a valid HTTPS page, as on the phone (ignoring certificate errors instead leaves the page
in an error state where no service worker may register). The chain a phone checks is verified separately with
Python's ssl module.
"""

from __future__ import annotations

import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import CHROMIUM_ARGS, require_chromium, screenshot_dir
from media import interview_frame, write_y4m
from sample_texts import ESSAY
from speech import spoken_wav

pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 390, "height": 844}


def _spki(cert: Path) -> str:
    """Base64 of the SHA-256 of a certificate's public key (what Chromium's SPKI list takes)."""
    import base64
    import hashlib

    key = subprocess.run(["openssl", "x509", "-in", str(cert), "-pubkey", "-noout"], capture_output=True, check=True)
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=key.stdout, capture_output=True,
                         check=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        pytest.skip("openssl is not installed: serve --https cannot make its certificate")
    tmp = tmp_path_factory.mktemp("https")
    port = _free_port()
    env = {**os.environ, "ESAPR_INSTANCE_PATH": str(tmp / "instance"), "DATABASE_URL": f"sqlite:///{tmp / 'h.db'}",
           "ESAPR_VIDEO_DURATION_S": "5", "ESAPR_AUDIO_DURATION_S": "4", "ESAPR_WARM_MODELS": "0"}
    env.pop("ESAPR_TRUSTED_HOSTS", None)
    log = open(tmp / "server.log", "w+")
    server = subprocess.Popen([sys.executable, "main.py", "serve", "--https", "--dev", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        ca = tmp / "instance" / "tls" / "esapr-local-ca.crt"
        address = None
        for _ in range(300):
            text = Path(log.name).read_text()
            found = re.search(r"ESAPR on https://([^:/]+):", text)
            if found and ca.exists():
                address = found.group(1)
                try:
                    context = ssl.create_default_context(cafile=str(ca))
                    urllib.request.urlopen(f"https://{address}:{port}/about", context=context, timeout=5)
                    break
                except OSError:
                    pass
            assert server.poll() is None, text
            time.sleep(0.2)
        else:
            pytest.fail("serve --https did not answer:\n" + Path(log.name).read_text())
        yield {"base": f"https://{address}:{port}", "address": address, "port": port, "ca": ca, "tmp": tmp,
               "cert": tmp / "instance" / "tls" / "esapr-server.crt"}
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_the_certificate_verifies_for_the_network_address(https_server):
    """What the phone checks once it trusts the local authority: the chain and the address in the certificate."""
    context = ssl.create_default_context(cafile=str(https_server["ca"]))
    with socket.create_connection((https_server["address"], https_server["port"]), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=https_server["address"]) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    # Without the authority, the same server is refused: the certificate is not one any browser trusts by itself.
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection((https_server["address"], https_server["port"]), timeout=10) as raw:
            ssl.create_default_context().wrap_socket(raw, server_hostname=https_server["address"])
    # The phone can fetch the authority's certificate from the server itself.
    context = ssl.create_default_context(cafile=str(https_server["ca"]))
    with urllib.request.urlopen(f"{https_server['base']}/local-ca.crt", context=context) as response:
        assert response.headers["Content-Type"] == "application/x-x509-ca-cert"
        assert response.read() == https_server["ca"].read_bytes()


def test_installable_on_a_phone_and_answers_through_https(https_server, tmp_path):
    from playwright.sync_api import sync_playwright

    from library.audio.model import DEFAULT_DIR, MODEL_FILE

    base, shots = https_server["base"], screenshot_dir(tmp_path)
    clip = write_y4m(tmp_path / "clip.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)
    voice = (DEFAULT_DIR / MODEL_FILE).is_file()
    fake = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}"]
    if voice:
        fake.append(f"--use-file-for-fake-audio-capture={spoken_wav(tmp_path / 'voice.wav')}")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=require_chromium(), headless=True,
            args=CHROMIUM_ARGS + fake + [f"--ignore-certificate-errors-spki-list={_spki(https_server['cert'])}"],
            viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(30_000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/")
            assert page.evaluate("() => window.isSecureContext")
            worker = page.evaluate("""() => Promise.race([navigator.serviceWorker.ready.then(r => r.active.scriptURL),
                new Promise(done => setTimeout(() => done('no service worker after 20 s'), 20000))])""")
            assert worker == base + "/sw.js"
            cdp = context.new_cdp_session(page)
            manifest = cdp.send("Page.getAppManifest")
            assert manifest["errors"] == [] and manifest["url"] == base + "/manifest.webmanifest"
            installable = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
            assert installable == [], installable
            page.screenshot(path=str(shots / "phone_https_home.png"))

            # The interview through HTTPS: the live video answer, the voice answer, then the written one.
            page.goto(base + "/interview/")
            page.check("#consent-box")
            page.tap("#begin")
            page.wait_for_url("**/interview/*/video")
            page.tap("#start")
            page.wait_for_url("**/interview/*/audio", timeout=90_000)
            if voice:
                page.tap("#start")
                page.wait_for_url("**/interview/*/text", timeout=90_000)
            else:
                page.tap("#skip")
                page.wait_for_url("**/interview/*/text")
            page.fill("#text", ESSAY)
            page.tap("#submit")
            page.wait_for_url("**/interview/*/report", timeout=60_000)
            page.tap("#make-report-button")
            page.wait_for_url("**/interview/report/*", timeout=60_000)
            page.wait_for_selector("#chart-fused.drawn svg", timeout=60_000)
            report_url = page.url
            assert page.evaluate(
                "() => document.querySelector('#channel-video').innerText").count("Most likely") == 1
            page.goto(base + "/my/")
            page.screenshot(path=str(shots / "phone_https_my.png"), full_page=True)

            # The worker's cache: the shell only, after pages of results, /my and the API were all used.
            cached = page.evaluate("""async () => {
                const out = [];
                for (const name of await caches.keys())
                    for (const request of await (await caches.open(name)).keys()) out.push(new URL(request.url).pathname);
                return out; }""")
            worker_code = page.evaluate("() => fetch('/sw.js').then(r => r.text())")
            shell = set(json.loads(worker_code.split("ESAPR_SHELL = ", 1)[1].split(";\n", 1)[0]))
            assert cached and set(cached) <= shell, cached
            assert not any(p.startswith(("/api", "/my", "/interview", "/text/result", "/video/result")) for p in cached)

            # Offline: a result page opens as the offline page (from the cache), not a stale copy of the result.
            context.set_offline(True)
            page.goto(report_url)
            assert "No connection to ESAPR" in page.inner_text("main")
            page.screenshot(path=str(shots / "phone_https_offline.png"))
            context.set_offline(False)
            assert errors == []
        finally:
            context.close()
