"""A video answer's sound through the app: an uploaded video's own sound track and the live page's
microphone recording give the voice, the transcript and its words beside the face; a video without
sound, a silent one or a broken recording leaves the face's result standing; the words stay private."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from media import av_bytes, interview_frame, jpeg_bytes, make_video
from speech import spoken_wav

pytestmark = pytest.mark.usefixtures("needs_speech_model", "_needs_face_model")
FPS = 5


@pytest.fixture
def _needs_face_model():
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}")


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> tuple[np.ndarray, int]:
    """About 8 s of espeak-ng saying tests/speech.py's SENTENCE."""
    x, sr = sf.read(str(spoken_wav(tmp_path_factory.mktemp("speech") / "answer.wav")), dtype="float32")
    return x, sr


def _frames(seconds: float) -> list[np.ndarray]:
    return [interview_frame(dx=i % 6) for i in range(int(seconds * FPS))]


def _upload(client, video: bytes, name: str = "answer.mp4"):
    return client.post("/api/v1/video", data={"video": (io.BytesIO(video), name)}, content_type="multipart/form-data")


def _said(body: dict) -> str:
    return body["transcript"]["text"].lower()


@pytest.mark.parametrize("fmt, codec, sound_codec", [("mp4", "libx264", "aac"), ("webm", "libvpx", "libopus")])
def test_uploaded_video_reads_face_voice_and_words_on_one_clock(client, speech, fmt, codec, sound_codec):
    x, sr = speech
    seconds = len(x) / sr
    video = make_video(_frames(seconds), fmt=fmt, codec=codec, fps=FPS, sound=(x, sr), sound_codec=sound_codec)
    response = _upload(client, video, f"answer.{fmt}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["frames_with_face"] > 0  # the face is read as before
    voice = body["voice"]
    assert voice["dominant"] in voice["mean_probabilities"] and voice["voiced_fraction"] > 0.3
    assert abs(voice["duration_s"] - seconds) < 0.5 and abs(body["duration_s"] - seconds) < 1.0
    # One clock: the voice's seconds and the transcript's lie within the face's.
    assert max(p["t"] for p in voice["timeline"]) <= body["duration_s"]
    assert "best news" in _said(body) and "celebrate" in _said(body)
    segments = body["transcript"]["segments"]
    assert segments[0]["start"] < 1.0 and segments[-1]["end"] <= seconds + 0.5
    assert body["words"]["word_count"] == len(body["transcript"]["text"].split())
    assert body["voice_note"] is None and "transcript" not in voice  # the words stand beside the voice

    page = client.get(f"/video/result/{body['id']}").get_data(as_text=True)
    for spec in ("timeline", "voice_timeline", "words_timeline", "distribution"):
        assert f'id="spec-{spec}"' in page
    assert "Your words" in page and "celebrate" in page and 'id="segments"' in page


def test_video_without_sound_track_is_read_by_its_face_alone(client):
    response = _upload(client, make_video(_frames(3), fps=FPS))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["frames_with_face"] > 0
    assert body["voice"] is None and body["transcript"] is None and body["words"] is None
    assert "no sound track" in body["voice_note"]
    page = client.get(f"/video/result/{body['id']}").get_data(as_text=True)
    assert "no sound track" in page and 'id="spec-timeline"' in page and "spec-voice_timeline" not in page


def test_silent_sound_track_says_so_and_keeps_the_face(client):
    silence = np.zeros(3 * 16000, dtype=np.float32)
    body = _upload(client, make_video(_frames(3), fps=FPS, sound=(silence, 16000))).get_json()
    assert body["frames_with_face"] > 0 and body["voice"] is None
    assert "No voice was heard" in body["voice_note"]


def _live_session(client, seconds: float) -> str:
    session = client.post("/api/v1/video/session").get_json()["session"]
    frame = jpeg_bytes(interview_frame())
    for i in range(int(seconds)):
        response = client.post("/api/v1/video/frame", data={"frame": (io.BytesIO(frame), "f.jpg"), "session": session,
                                                            "t": str(float(i))}, content_type="multipart/form-data")
        assert response.status_code == 200
    return session


def test_live_capture_finishes_with_its_microphone_recording(client, speech):
    x, sr = speech
    session = _live_session(client, len(x) / sr)
    recording = av_bytes(x, sr, "webm", "libopus", 48000)  # what Chromium's MediaRecorder makes
    response = client.post(f"/api/v1/video/session/{session}/finish",
                           data={"audio": (io.BytesIO(recording), "answer.webm")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["source"] == "live" and body["frames_with_face"] > 0
    assert body["voice"]["timeline"] and "celebrate" in _said(body)
    stored = client.get(f"/video/result/{body['id']}").get_data(as_text=True)
    assert "celebrate" in stored and "spec-voice_timeline" in stored


@pytest.mark.parametrize("recording, note", [
    (None, "No microphone recording came with this answer"),
    (b"these are not sounds " * 40, "The sound could not be read"),
])
def test_live_capture_without_a_usable_recording_keeps_the_face(client, recording, note):
    session = _live_session(client, 3)
    data = {"audio": (io.BytesIO(recording), "answer.webm")} if recording else {}
    response = client.post(f"/api/v1/video/session/{session}/finish", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["frames_with_face"] > 0 and body["voice"] is None and note in body["voice_note"]


def test_spoken_words_of_a_video_are_private_and_deleted_with_it(client, app, speech):
    x, sr = speech
    body = _upload(client, make_video(_frames(len(x) / sr), fps=FPS, sound=(x, sr))).get_json()
    token = client.get("/my/").headers["Location"].rsplit("/", 1)[-1]
    mine = {"X-ESAPR-Token": token}
    assert "celebrate" in client.get("/api/v1/me/export", headers=mine).get_data(as_text=True)
    assert "celebrate" in client.get("/api/v1/me/history/video.csv", headers=mine).get_data(as_text=True)
    other = app.test_client()
    assert other.get(f"/video/result/{body['id']}").status_code == 404
    for path in ("/api/v1/history/video.csv", "/api/v1/history/text", "/api/v1/history/audio.csv"):
        public = other.get(path)
        assert public.status_code == 200 and "celebrate" not in public.get_data(as_text=True)
    assert client.delete(f"/api/v1/me/analyses/{body['id']}", headers=mine).status_code == 200
    assert "celebrate" not in client.get("/api/v1/me/export", headers=mine).get_data(as_text=True)
