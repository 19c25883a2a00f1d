"""The live video interview in real Chromium with a fake camera showing a real face."""

from __future__ import annotations

import pytest

from browser import chromium_page, live_server, screenshot_dir, warm_video_pipeline
from media import interview_frame, write_y4m


pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium


def test_live_interview_draws_face_box_and_reaches_dashboard(app, tmp_path):
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}")
    app.config["VIDEO_DURATION_S"] = 6  # the real interview is 45 s
    # Load the models before the clock starts: on a busy machine the first frame's lazy load
    # can take longer than the shortened interview.
    app.extensions["esapr_models"].get("face_pipeline")
    warm_video_pipeline(app)
    clip = write_y4m(tmp_path / "clip.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)
    shots = screenshot_dir(tmp_path)
    fake_camera = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                   f"--use-file-for-fake-video-capture={clip}"]
    with live_server(app) as base, chromium_page(fake_camera) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/video/")
        assert page.is_disabled("#start")  # consent first
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#overlay[data-faces='1']", timeout=20_000)
        page.screenshot(path=str(shots / "video_live.png"))
        assert page.inner_text("#countdown").endswith("s")
        page.wait_for_url("**/video/result/*", timeout=30_000)
        page.wait_for_selector("#chart-timeline.drawn svg", timeout=30_000)
        page.wait_for_selector("#chart-distribution.drawn svg", timeout=30_000)
        page.screenshot(path=str(shots / "video_dashboard.png"), full_page=True)
        assert "dominant expression" in page.inner_text("main")
        assert errors == []
    # The page sends the count of the last answer, so every frame after the first skipped reading the session.
    contexts = app.extensions["esapr_store"].live_contexts
    assert contexts.hits >= 3 and contexts.misses <= 1, (contexts.hits, contexts.misses)


def test_refused_camera_offers_upload(app, tmp_path):
    with live_server(app) as base, chromium_page(["--use-fake-device-for-media-stream"]) as page:
        page.context.grant_permissions([])  # no camera permission: getUserMedia is refused
        page.goto(f"{base}/video/")
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#camera-error:not([hidden])", timeout=15_000)
        assert "upload" in page.inner_text("#camera-error-text")
        assert page.is_visible("#upload-form")
