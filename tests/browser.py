"""Real-browser helpers: a live server in a thread and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("ESAPR_CHROMIUM", "/usr/bin/chromium")
# Flags from this workplace's notes: no background networking (the machine is offline)
# and a fresh profile each run.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def require_chromium() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (requirements-dev.txt)")
    return CHROMIUM


@contextmanager
def live_server(app):
    """Serve ``app`` as production does: CSRF tokens required on forms, rate limits on (the default
    limits), and the security headers and Content-Security-Policy that every response carries."""
    app.config.update(WTF_CSRF_ENABLED=True, RATE_LIMITS_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium_page(extra_args: list[str] | None = None):
    """A fresh page; when the test body finishes without error, asserts that Chromium reported no
    Content-Security-Policy violation (a blocked script, eval, style or connection) on any page."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS + (extra_args or []))
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            violations: list[str] = []
            page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
                    if "Content Security Policy" in message.text else None)
            yield page
            assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)
        finally:
            browser.close()


def fake_devices(audio: Path | None = None, video: Path | None = None) -> list[str]:
    """Chromium's flags for a fake camera and microphone, granted without asking, playing these files."""
    flags = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    if video is not None:
        flags.append(f"--use-file-for-fake-video-capture={video}")
    if audio is not None:
        flags.append(f"--use-file-for-fake-audio-capture={audio}")
    return flags


def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ESAPR_SCREENSHOTS if set (to look at them), else the test's tmp dir."""
    target = Path(os.environ.get("ESAPR_SCREENSHOTS", tmp_path))
    target.mkdir(parents=True, exist_ok=True)
    return target


def warm_video_pipeline(app) -> None:
    """Send one frame of a capture session through the app, as a warm server would have done: the
    first frame of a session also gets Grad-CAM, whose model loads lazily (seconds on a busy
    machine) - longer than a shortened test interview lasts."""
    import io

    from media import interview_frame, jpeg_bytes

    client = app.test_client()
    session = client.post("/api/v1/video/session").get_json()["session"]
    response = client.post("/api/v1/video/frame", data={"frame": (io.BytesIO(jpeg_bytes(interview_frame())), "f.jpg"),
                                                        "session": session, "t": "0"})
    assert response.status_code == 200, response.get_json()
