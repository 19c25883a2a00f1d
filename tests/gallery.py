"""Every page of the app, filled with real results, for the layout and accessibility tests and for
`make screenshots` (a gallery of every page at a phone's and a laptop's size, to look at).

``populate`` makes, through the browser's own cookie (so the pages are this browser's results), a
text, a voice upload, a live video (with Grad-CAM), a video upload with sound, and an interview report,
after an earlier user's of each kind (so the comparisons are drawn); ``PAGES`` names every page.

    .venv/bin/python tests/gallery.py [--out tmp/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SIZES = {"phone": (390, 844), "laptop": (1280, 900)}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    record: bool = False  # start the page's recording (fake camera and microphone) before looking


def fake_devices(tmp: Path) -> list[str]:
    """Chromium flags for a fake camera showing a real face and, with espeak-ng, a microphone speaking."""
    from media import interview_frame, write_y4m

    clip = write_y4m(tmp / "gallery-camera.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)
    flags = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
             f"--use-file-for-fake-video-capture={clip}"]
    if (tmp / "gallery-voice.wav").exists() or _speech(tmp) is not None:
        flags.append(f"--use-file-for-fake-audio-capture={tmp / 'gallery-voice.wav'}")
    return flags


def _speech(tmp: Path) -> bytes | None:
    """A spoken answer (espeak-ng), or None when it is absent."""
    import shutil
    import subprocess

    from speech import SENTENCE

    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return None
    out = tmp / "gallery-voice.wav"
    subprocess.run([espeak, "-s", "150", "-w", str(out), f"{SENTENCE} {SENTENCE}"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return out.read_bytes()


def _ok(response) -> dict:
    assert response.ok, f"{response.url}: {response.status} {response.text()[:300]}"
    return response.json()


def _has_speech_model(app) -> bool:
    try:
        app.extensions["esapr_models"].get("speech_emotion")
    except FileNotFoundError:
        return False
    return True


def _live_video(request, base: str, frames: list[bytes]) -> str:
    session = _ok(request.post(f"{base}/api/v1/video/session"))["session"]
    for i, frame in enumerate(frames):
        _ok(request.post(f"{base}/api/v1/video/frame", multipart={
            "frame": {"name": "f.jpg", "mimeType": "image/jpeg", "buffer": frame},
            "session": session, "t": f"{i * 0.5:.1f}"}))
    return _ok(request.post(f"{base}/api/v1/video/session/{session}/finish"))["id"]


def populate(app, page, base: str, tmp: Path) -> list[Page]:
    """Make results of every kind for ``page``'s browser; return every page to look at."""
    import io

    import soundfile as sf

    from media import interview_frame, jpeg_bytes, make_video
    from sample_texts import ESSAY, GLOOMY

    other = app.test_client()  # an earlier user, so that every dashboard has someone to compare with
    request = page.context.request
    pages = [Page("home", "/"), Page("about", "/about"), Page("text-form", "/text/"),
             Page("video-capture", "/video/"), Page("audio-capture", "/audio/"), Page("interview-start", "/interview/"),
             Page("video-recording", "/video/", record=True), Page("audio-recording", "/audio/", record=True),
             Page("my-results-empty", "/my/"), Page("error-404", "/text/result/no-such-result"),
             Page("model-card", "/about/models/face"), Page("offline", "/offline")]

    other.post("/api/v1/text", data={"text": GLOOMY * 2})
    text_id = _ok(request.post(f"{base}/api/v1/text", form={"text": ESSAY}))["id"]
    pages.append(Page("text-result", f"/text/result/{text_id}"))

    frames = [jpeg_bytes(interview_frame(dx=i % 6)) for i in range(8)]
    other.post("/api/v1/video", data={"video": (io.BytesIO(make_video([interview_frame(dx=3)] * 20)), "o.mp4")})
    live_id = _live_video(request, base, frames)
    pages.append(Page("video-result-live", f"/video/result/{live_id}"))

    voice = _speech(tmp) if _has_speech_model(app) else None
    audio_id = None
    if voice is not None:
        other.post("/api/v1/audio", data={"audio": (io.BytesIO(voice), "o.wav")})
        audio_id = _ok(request.post(f"{base}/api/v1/audio", multipart={
            "audio": {"name": "answer.wav", "mimeType": "audio/wav", "buffer": voice}}))["id"]
        pages.append(Page("audio-result", f"/audio/result/{audio_id}"))
        samples, rate = sf.read(io.BytesIO(voice), dtype="float32")
        clip = make_video([interview_frame(dx=i % 6) for i in range(int(len(samples) / rate * 10))],
                          sound=(samples, rate))
    else:
        clip = make_video([interview_frame(dx=i % 6) for i in range(40)])
    upload_id = _ok(request.post(f"{base}/api/v1/video", multipart={
        "video": {"name": "answer.mp4", "mimeType": "video/mp4", "buffer": clip}}))["id"]
    pages.append(Page("video-result-upload", f"/video/result/{upload_id}"))

    # An interview left open at its steps (the first answered), and one finished into its report.
    open_session = _ok(request.post(f"{base}/api/v1/interview"))["session"]
    _ok(request.post(f"{base}/api/v1/interview/{open_session}/video", data={"analysis_id": live_id}))
    for step in ("video", "audio", "text"):
        pages.append(Page(f"interview-step-{step}", f"/interview/{open_session}/{step}"))
    # One with every step done, on the page that makes its report.
    ready = _ok(request.post(f"{base}/api/v1/interview"))["session"]
    for step in ("video", "audio"):
        _ok(request.post(f"{base}/api/v1/interview/{ready}/{step}/skip"))
    _ok(request.post(f"{base}/api/v1/interview/{ready}/text", form={"text": ESSAY}))
    pages.append(Page("interview-finish", f"/interview/{ready}/report"))
    session = _ok(request.post(f"{base}/api/v1/interview"))["session"]
    _ok(request.post(f"{base}/api/v1/interview/{session}/video", data={"analysis_id": live_id}))
    if audio_id:
        _ok(request.post(f"{base}/api/v1/interview/{session}/audio", data={"analysis_id": audio_id}))
    else:
        _ok(request.post(f"{base}/api/v1/interview/{session}/audio/skip"))
    _ok(request.post(f"{base}/api/v1/interview/{session}/text", form={"text": ESSAY}))
    report = _ok(request.post(f"{base}/api/v1/interview/{session}/report"))
    pages.append(Page("interview-report", report["report_url"]))
    pages.append(Page("my-results", "/my/"))
    return pages


# Each page's charts are drawn (or said to have failed) before it is measured.
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll('.chart[data-spec]'))
    .every(el => el.classList.contains('drawn') || el.classList.contains('chart-error'))"""
OVERFLOW = """() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
    wide: Array.from(document.querySelectorAll('main *')).filter(el => {
        const r = el.getBoundingClientRect(); return r.width > 0 && r.right > window.innerWidth + 1;
    }).slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''))})"""


def open_page(page, base: str, target: Page, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(base + target.path)
    if target.record:  # the answer is left unfinished: its capture session expires on its own
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#stage:not([hidden])", timeout=20_000)
        page.wait_for_timeout(1500)  # a few live frames and meter readings
    page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
    page.wait_for_timeout(100)  # vega-embed resizes "container" charts once after its first draw


def overflow(page) -> dict:
    return page.evaluate(OVERFLOW)


def axe_path() -> Path | None:
    """axe-core's script: ESAPR_AXE, or where `make setup-dev` puts it (npm, into .venv/node)."""
    import os

    candidates = [os.environ.get("ESAPR_AXE"),
                  Path(__file__).resolve().parent.parent / ".venv/node/node_modules/axe-core/axe.min.js"]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


def axe_violations(page, script: str, impacts=("critical", "serious")) -> list[str]:
    """Runs axe-core inside the page (evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern) and returns its violations of these impacts, one line each."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(script)
    results = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary.split('\\n').slice(1).join(' '))}));
    }""")
    return [f"{v['impact']} {v['id']} ({v['help']}): " + " | ".join(v["nodes"]) for v in results if v["impact"] in impacts]


def main() -> int:
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    from browser import chromium_page, live_server
    from conftest import make_test_app
    from web.platform.models import default_loaders

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="tmp/screenshots", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per page below, not per request
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        app = make_test_app(tmp, default_loaders())
        script = axe_path()
        axe = script.read_text(encoding="utf-8") if script else None
        if axe is None:
            print("axe-core not found (make setup-dev installs it): no accessibility check")
        with live_server(app) as base, chromium_page(fake_devices(tmp)) as page:
            pages = populate(app, page, base, tmp)
            rows = []
            for target in pages:
                for size_name, size in SIZES.items():
                    open_page(page, base, target, size)
                    shot = f"{target.name}-{size[0]}x{size[1]}.png"
                    page.screenshot(path=str(args.out / shot), full_page=not target.record)  # recording: what one screen shows
                    measured = overflow(page)
                    flag = "" if measured["scroll"] <= measured["inner"] else f"  OVERFLOW {measured['wide']}"
                    print(f"{target.name:22} {size_name:6} scrollWidth {measured['scroll']:4} / {measured['inner']}{flag}")
                    rows.append((target.name, size_name, shot))
                    if axe is not None:
                        for line in axe_violations(page, axe):
                            print(f"    axe: {line}")
        app.extensions["esapr_store"].close()
    gallery = ["<!doctype html><meta charset=utf-8><title>ESAPR pages</title><style>body{font:14px sans-serif}"
               "img{border:1px solid #ccc;vertical-align:top;margin:4px}</style>"]
    for name in dict.fromkeys(r[0] for r in rows):
        gallery.append(f"<h2>{name}</h2>" + "".join(f'<img src="{shot}" width="{390 if size == "phone" else 640}">'
                                                      for n, size, shot in rows if n == name))
    (args.out / "index.html").write_text("\n".join(gallery), encoding="utf-8")
    print(f"{len(rows)} screenshots in {args.out}/ (open index.html)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
