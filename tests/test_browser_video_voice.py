"""The live video answer with its voice, in real Chromium: a fake camera showing a real face and a fake
microphone playing espeak-ng speech; the dashboard shows face, voice and the spoken words on one time
axis, at laptop and phone widths. Refusing the microphone still reads the face."""

from __future__ import annotations

import pytest

from browser import chromium_page, live_server, screenshot_dir, warm_video_pipeline
from media import interview_frame, write_y4m
from speech import spoken_wav

pytestmark = pytest.mark.usefixtures("chromium")
CHARTS = ("timeline", "voice_timeline", "words_timeline")


def _ready(app, tmp_path, seconds: int, models=("face_pipeline",)):
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}")
    app.config["VIDEO_DURATION_S"] = seconds  # the real answer is 45 s
    # Models load before the clock starts: a first lazy load can outlast the shortened answer.
    for name in models:
        app.extensions["esapr_models"].get(name)
    warm_video_pipeline(app)
    return write_y4m(tmp_path / "clip.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)


# The x extent of each chart's time axis, in page pixels (Vega labels its axes for assistive tools).
AXIS_EXTENTS = """ids => ids.map(id => {
  const axis = document.querySelector('#chart-' + id + ' svg g[aria-label^="X-axis"] .role-axis-domain');
  const box = axis.getBoundingClientRect();
  return [box.left, box.right];
})"""


@pytest.mark.usefixtures("needs_speech_model")
@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["laptop", "phone"])
def test_live_answer_shows_face_voice_and_spoken_words_on_one_time_axis(app, tmp_path, width, height):
    # espeak-ng says the sentence in about 8 s
    clip = _ready(app, tmp_path, 9, ("face_pipeline", "speech_emotion", "transcriber", "text_emotion", "personality"))
    voice = spoken_wav(tmp_path / "voice.wav")
    shots = screenshot_dir(tmp_path)
    fake_devices = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                    f"--use-file-for-fake-video-capture={clip}", f"--use-file-for-fake-audio-capture={voice}"]
    with live_server(app) as base, chromium_page(fake_devices) as page:
        page.set_viewport_size({"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/video/")
        assert "transcript of your words" in page.inner_text("#consent")  # the consent says it is kept
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#overlay[data-faces='1']", timeout=20_000)
        assert "voice is being recorded" in page.inner_text("#mic-note")
        page.screenshot(path=str(shots / f"video_voice_live_{width}.png"))
        page.wait_for_url("**/video/result/*", timeout=60_000)
        for chart in CHARTS:
            page.wait_for_selector(f"#chart-{chart}.drawn svg", timeout=30_000)
        said = page.inner_text("#words").lower()
        assert "best news" in said, said
        assert page.locator("#segments li").count() >= 1
        assert "your voice's dominant emotion" in page.inner_text("main")
        # One time axis: the face's, the voice's and the words' seconds run across the same pixels.
        extents = page.evaluate(AXIS_EXTENTS, list(CHARTS))
        for left, right in extents[1:]:
            assert abs(left - extents[0][0]) <= 2 and abs(right - extents[0][1]) <= 2, extents
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off a phone
        page.locator("#one-answer").screenshot(path=str(shots / f"video_voice_timeline_{width}.png"))
        page.screenshot(path=str(shots / f"video_voice_dashboard_{width}.png"), full_page=True)
        assert errors == []


def test_refused_microphone_still_reads_the_face(app, tmp_path):
    clip = _ready(app, tmp_path, seconds=4)
    fake_camera = ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={clip}"]
    with live_server(app) as base, chromium_page(fake_camera) as page:
        page.context.grant_permissions(["camera"], origin=base)  # the camera only: the microphone is refused
        page.goto(f"{base}/video/")
        page.check("#consent-box")
        page.click("#start")
        page.wait_for_selector("#overlay[data-faces='1']", timeout=20_000)
        assert "only your face will be read" in page.inner_text("#mic-note")
        page.wait_for_url("**/video/result/*", timeout=40_000)
        page.wait_for_selector("#chart-timeline.drawn svg", timeout=30_000)
        main = page.inner_text("main")
        assert "dominant expression" in main and "No microphone recording came with this answer" in main
        assert page.locator("#chart-voice_timeline").count() == 0
