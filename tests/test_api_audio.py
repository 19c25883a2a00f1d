"""The audio API and dashboard with the real shipped model: a spoken answer, and bad input."""

from __future__ import annotations

import io

import numpy as np
import pytest

from library.emotions import EMOTIONS
from speech import spoken_wav, wav_bytes


pytestmark = pytest.mark.usefixtures("needs_speech_model")


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory) -> bytes:
    return spoken_wav(tmp_path_factory.mktemp("speech") / "answer.wav", repeat=2).read_bytes()


def _post(client, data: bytes, name: str = "answer.wav"):
    return client.post("/api/v1/audio", data={"audio": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_spoken_answer_gives_a_timeline_and_a_dashboard(client, answer_wav):
    response = _post(client, answer_wav)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert 5 < body["duration_s"] < 30
    timeline = body["timeline"]
    assert abs(len(timeline) - body["duration_s"]) <= 1.5  # about one point a second
    assert [p["t"] for p in timeline] == sorted(p["t"] for p in timeline)
    for point in timeline:
        assert tuple(point["probabilities"]) == EMOTIONS
        assert sum(point["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert tuple(body["distribution"]) == EMOTIONS
    assert sum(body["distribution"].values()) == pytest.approx(1, abs=1e-6)
    assert body["dominant"] in EMOTIONS

    page = client.get(f"/audio/result/{body['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert body["dominant"] in html and 'id="spec-timeline"' in html
    assert "first user of the audio channel" in html
    assert "times in 100" in html  # the measured accuracy on unseen speakers, from the model's metadata

    second = _post(client, answer_wav).get_json()
    html = client.get(f"/audio/result/{second['id']}").get_data(as_text=True)
    assert "Compared with 1 earlier user." in html

    csv = client.get("/api/v1/history/audio.csv").get_data(as_text=True)
    assert body["id"] not in csv and "analyses,2," in csv  # everyone's: aggregates, no ids
    token = client.get("/my/").headers["Location"].rsplit("/", 1)[-1]
    mine = client.get("/api/v1/me/history/audio.csv", headers={"X-ESAPR-Token": token}).get_data(as_text=True)
    assert mine.count("\n") == 3 and body["id"] in mine  # one's own: header + two analyses


def test_silence_is_refused_not_called_neutral(client):
    response = _post(client, wav_bytes(np.zeros(16000 * 5, np.float32), 16000))
    assert response.status_code == 422
    assert "voice" in response.get_json()["error"].lower()


def test_not_audio_is_415(client):
    response = _post(client, b"\x89PNG\r\n\x1a\n" + bytes(2000), "photo.wav")
    assert response.status_code == 415
    assert response.get_json()["error"]


def test_missing_field_is_400(client):
    response = client.post("/api/v1/audio", data={"file_x": (io.BytesIO(b"x"), "a.wav")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "audio" in response.get_json()["error"]


def test_too_long_recording_is_413(app, client, answer_wav):
    app.config["AUDIO_MAX_SECONDS"] = 3
    response = _post(client, answer_wav)
    assert response.status_code == 413
    assert "3" in response.get_json()["error"]


def test_too_large_file_is_413(app, client):
    app.config["AUDIO_MAX_MB"] = 1
    noise = np.random.default_rng(0).normal(0, 0.1, 16000 * 40).astype(np.float32)  # 1.3 MB as WAV
    response = _post(client, wav_bytes(noise, 16000))
    assert response.status_code == 413
    assert response.get_json()["error"]


def test_unknown_result_is_404(client):
    assert client.get("/audio/result/nope").status_code == 404
