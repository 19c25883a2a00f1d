"""A live video answer given in real Chromium with a fake camera and microphone, watched from the answer's end to
its dashboard (the browser test of the finishing state and benchmarks/finish_browser.py share it)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from browser import warm_video_pipeline
from media import interview_frame, write_y4m

MODELS = ("face_pipeline", "speech_emotion", "transcriber", "text_emotion", "personality")
# The finishing state as the page shows it, read at once when it appears.
FINISHING = """() => {
  const box = document.getElementById('finishing');
  const r = box.getBoundingClientRect();
  return {text: box.innerText, visible: !box.hidden, stopDisabled: document.getElementById('stop').disabled,
          micNote: document.getElementById('mic-note').innerText, countdownHidden: document.getElementById('countdown').hidden,
          right: r.right, scrollWidth: document.documentElement.scrollWidth,
          overflows: box.scrollWidth > box.clientWidth + 1};
}"""


@dataclass
class Watched:
    finishing: dict  # FINISHING's answer when the state appeared
    shares: list[str] = field(default_factory=list)  # the progress the page showed, in order
    chunks_while_speaking: int = 0  # sound chunks the page sent before the answer ended
    end_to_next_page_s: float = 0.0  # from the answer's end (the finishing state) to the next page's URL


def fake_devices(app, tmp_path: Path, voice: Path) -> list[str]:
    """Chromium's flags for a fake camera showing the astronaut's face and a fake microphone playing ``voice``;
    the models are loaded first, as on a warm server."""
    for name in MODELS:
        app.extensions["esapr_models"].get(name)
    warm_video_pipeline(app)
    clip = write_y4m(tmp_path / "clip.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)
    return ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}", f"--use-file-for-fake-audio-capture={voice}"]


def open_capture(page, base: str, where: str) -> str:
    """Open the live capture on ``where`` ("video": the video page, "interview": the interview's video step),
    consent given; returns the URL pattern of the page that follows the answer."""
    if where == "video":
        page.goto(f"{base}/video/")
        page.check("#consent-box")
        return "**/video/result/*"
    page.goto(f"{base}/interview/")
    page.check("#consent-box")
    page.click("#begin")
    page.wait_for_url("**/interview/*/video")
    return "**/interview/*/audio"


def answer_and_watch(page, next_url: str, seconds: float, screenshot: Path | None = None) -> Watched:
    """Click start on a capture page already open, and watch the answer to its end and the next page."""
    sent: list[float] = []
    page.on("request", lambda r: sent.append(time.monotonic()) if "/sound/" in r.url and r.method == "POST" else None)
    page.click("#start")
    page.wait_for_selector("#overlay[data-faces='1']", timeout=20_000)
    page.wait_for_selector("#finishing", state="visible", timeout=(seconds + 30) * 1000)
    ended = time.monotonic()
    watched = Watched(page.evaluate(FINISHING))
    watched.chunks_while_speaking = sum(1 for t in sent if t < ended - 0.5)
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    while not _matches(page.url, next_url):
        try:
            share = page.evaluate("() => { const s = document.getElementById('finishing-share'); "
                                  "return s ? s.textContent : null; }")
        except Exception:  # noqa: BLE001 - the page is being replaced by the next one
            share = None
        if share and (not watched.shares or watched.shares[-1] != share):
            watched.shares.append(share)
        if time.monotonic() - ended > 60:
            raise TimeoutError(f"no {next_url} a minute after the answer's end")
        page.wait_for_timeout(50)
    watched.end_to_next_page_s = time.monotonic() - ended
    return watched


def _matches(url: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(url, pattern)
