"""The interview's recording steps on a phone (390x844, touch) in real Chromium: "Start recording" is on the
first screen (it was ~1,285 px down, below a second consent block already agreed to), and while the answer is
recorded its question stays in sight (it had scrolled away)."""

from __future__ import annotations

import pytest

from browser import CHROMIUM_ARGS, require_chromium, live_server, screenshot_dir
from media import interview_frame, write_y4m

pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium

PHONE = {"width": 390, "height": 844}
IN_VIEW = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def _phone(pw, extra_args):
    browser = pw.chromium.launch(executable_path=require_chromium(), headless=True, args=CHROMIUM_ARGS + extra_args)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    return browser, context.new_page()


def test_start_recording_is_on_the_first_phone_screen_and_the_question_stays(app, tmp_path):
    from playwright.sync_api import sync_playwright

    from library.video.model import DEFAULT_PATH

    shots = screenshot_dir(tmp_path)
    clip = write_y4m(tmp_path / "clip.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)
    fake = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}"]
    with live_server(app) as base, sync_playwright() as pw:
        browser, page = _phone(pw, fake)
        try:
            page.goto(f"{base}/interview/")
            page.check("#consent-box")
            page.tap("#begin")
            page.wait_for_url("**/interview/*/video")
            for step in ("video", "audio"):
                page.goto(page.url.rsplit("/", 1)[0] + f"/{step}")
                page.screenshot(path=str(shots / f"phone_interview_{step}_step.png"))
                assert page.evaluate(IN_VIEW, "#start"), f"{step}: 'Start recording' is below the first screen"
                assert "Before we start" not in page.inner_text("main"), f"{step}: consent asked a second time"
                assert page.is_enabled("#start")
            # Skip comes after the answer: below the start button, not above it.
            start, skip = page.locator("#start").bounding_box(), page.locator("#skip").bounding_box()
            assert skip["y"] > start["y"]

            if not DEFAULT_PATH.exists():
                pytest.skip(f"no trained expression model at {DEFAULT_PATH}: the recording cannot run")
            page.goto(page.url.rsplit("/", 1)[0] + "/video")
            page.tap("#start")
            page.wait_for_selector("#stage:not([hidden])", timeout=20_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(shots / "phone_interview_video_recording.png"))
            assert page.evaluate(IN_VIEW, "#stage-question"), "the question scrolled away while recording"
            assert page.evaluate(IN_VIEW, "#countdown")
        finally:
            browser.close()
