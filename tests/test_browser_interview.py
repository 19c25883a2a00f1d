"""The whole guided interview in real Chromium: fake camera and microphone, a written answer,
the report with its charts drawn, and both downloads (the HTML one opened offline)."""

from __future__ import annotations

import json

import pytest

from library.stored_kinds import read_result
from browser import chromium_page, live_server, screenshot_dir, warm_video_pipeline
from media import interview_frame, write_y4m
from sample_texts import ESSAY
from speech import spoken_wav


pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium


@pytest.fixture(autouse=True)
def _needs_face_model():
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}")


def _speech_model_or_skip(app) -> None:
    try:
        app.extensions["esapr_models"].get("speech_emotion")
    except FileNotFoundError as exc:
        pytest.skip(f"no trained speech model, so the voice step cannot be recorded: {exc}")


@pytest.mark.parametrize("voice", ["recorded", "skipped"])
def test_whole_interview_ends_on_the_report_and_downloads_it(app, tmp_path, voice):
    if voice == "recorded":
        _speech_model_or_skip(app)
    app.config.update(VIDEO_DURATION_S=5, AUDIO_DURATION_S=4)  # the real answers are 45 s and 15 s
    app.extensions["esapr_models"].get("face_pipeline")  # loaded before the clock starts, as on a warm server
    warm_video_pipeline(app)
    clip = write_y4m(tmp_path / "clip.y4m", [interview_frame(dx=i % 6) for i in range(20)], fps=10)
    speech = spoken_wav(tmp_path / "voice.wav") if voice == "recorded" else None
    shots = screenshot_dir(tmp_path)
    fake_devices = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                    f"--use-file-for-fake-video-capture={clip}"]
    if speech:
        fake_devices.append(f"--use-file-for-fake-audio-capture={speech}")
    with live_server(app) as base, chromium_page(fake_devices) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        page.goto(f"{base}/interview/")
        page.screenshot(path=str(shots / "interview_start.png"), full_page=True)
        page.click("#begin")
        assert page.url.endswith("/interview/")  # the consent box is required
        page.check("#consent-box")
        page.click("#begin")
        page.wait_for_url("**/interview/*/video")
        assert page.is_checked("#consent-box")  # agreed on the first page, not asked twice
        page.screenshot(path=str(shots / "interview_video_step.png"), full_page=True)
        page.click("#start")
        page.wait_for_url("**/interview/*/audio", timeout=30_000)

        # Leaving and coming back continues the interview where it was.
        page.goto(f"{base}/")
        page.goto(f"{base}/interview/")
        assert page.url.endswith("/audio")
        page.screenshot(path=str(shots / "interview_audio_step.png"), full_page=True)
        if speech:
            page.click("#start")
            page.wait_for_url("**/interview/*/text", timeout=40_000)
        else:
            page.click("#skip")
            page.wait_for_url("**/interview/*/text")

        page.fill("#text", ESSAY)
        page.screenshot(path=str(shots / "interview_text_step.png"), full_page=True)
        page.click("#submit")
        page.wait_for_url("**/interview/*/report", timeout=30_000)
        page.click("#make-report-button")
        page.wait_for_url("**/interview/report/*", timeout=30_000)
        for chart in ("fused", "channels", "video_timeline", "traits"):
            page.wait_for_selector(f"#chart-{chart}.drawn svg", timeout=30_000)
        if speech:
            page.wait_for_selector("#chart-audio_timeline.drawn svg", timeout=30_000)
        page.screenshot(path=str(shots / f"interview_report_{voice}.png"), full_page=True)
        body = page.inner_text("main")
        assert "not a psychological assessment" in body
        assert "confidence" in body and "Known to get wrong" in body
        assert ("Skipped" in body) == (speech is None)
        if speech:  # the microphone heard the same speech in the video step and the voice step
            for step in ("video", "audio"):
                assert "believe" in page.inner_text(f"#said-{step}").lower()
            assert "of the words' reading" in page.inner_text("#channel-video")
        assert errors == []

        with page.expect_download() as json_download:
            page.click("#download-json")
        report = json.loads(open(json_download.value.path(), encoding="utf-8").read())
        used = report["report"]["fused"]["channels_used"]
        assert "video" in used and "text" in used
        if speech:  # the words channel: the written answer and both transcripts
            assert set(report["words"]["weights"]) == {"text", "video", "audio"}
        assert report["channels"]["video"]["summary"]["frames_with_face"] >= 1  # the fake camera's face was read
        assert report["report"]["statement"].startswith("Results are not")

        with page.expect_download() as html_download:
            page.click("#download-html")
        saved = tmp_path / "report.html"
        html_download.value.save_as(saved)

        # The file opens with every network request refused and still draws its charts.
        requests: list[str] = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else (requests.append(route.request.url), route.abort()))
        page.goto(saved.as_uri())
        page.wait_for_selector("#chart-fused.drawn svg", timeout=30_000)
        page.wait_for_selector("#chart-traits.drawn svg", timeout=30_000)
        page.screenshot(path=str(shots / f"interview_report_file_{voice}.png"), full_page=True)
        assert requests == []
        assert errors == []


def test_voice_step_hands_its_analysis_to_the_interview(app, tmp_path):
    """The voice page's script, inside the interview, posts the analysis id and follows ``next_url``.

    The speech model may not be trained yet, so the audio API's answer is played back by the
    browser (a stored row's id); the page's own code runs unchanged."""
    from library.emotions import EMOTIONS

    from library.history.owners import owner_of

    probs = {e: 1 / len(EMOTIONS) for e in EMOTIONS}
    recording = tmp_path / "answer.wav"
    recording.write_bytes(b"RIFF" + bytes(64))
    with live_server(app) as base, chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/interview/")
        page.check("#consent-box")
        page.click("#begin")
        page.wait_for_url("**/interview/*/video")
        session_id = page.url.rstrip("/").split("/")[-2]
        # The stored row must be this browser's own: an interview takes only its owner's analyses.
        cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "session")
        browser_session = app.session_interface.get_signing_serializer(app).loads(cookie)
        audio_id = app.extensions["esapr_store"].for_owner(owner_of(browser_session["privacy_token"])).add(
            "audio", read_result("audio", {"mean_probabilities": probs, "dominant": "angry", "distribution": probs,
                                           "timeline": []})).id
        page.route("**/api/v1/audio", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps({"id": audio_id})))
        page.click("#skip")
        page.wait_for_url("**/interview/*/audio")
        page.set_input_files("#audio-file", str(recording))
        page.click("#upload-button")
        page.wait_for_url("**/interview/*/text", timeout=15_000)
        assert "(skipped)" in page.inner_text(".interview-steps")
        state = app.test_client().get(f"/api/v1/interview/{session_id}",
                                      headers={"X-ESAPR-Token": browser_session["privacy_token"]}).get_json()
        assert state["steps"] == {"video": "skipped", "audio": audio_id, "text": None}
        assert errors == []
