"""Words from speech through the app: the audio API's transcript, the words reading, the dashboard,
and privacy (the transcript reaches its owner's export only, and goes with the result)."""

from __future__ import annotations

import io

import pytest

from speech import spoken_wav

pytestmark = pytest.mark.usefixtures("needs_speech_model")


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory) -> bytes:
    return spoken_wav(tmp_path_factory.mktemp("speech") / "answer.wav").read_bytes()


def _post(client, data: bytes):
    return client.post("/api/v1/audio", data={"audio": (io.BytesIO(data), "answer.wav")},
                       content_type="multipart/form-data")


def test_spoken_answer_comes_back_with_its_words(client, answer_wav):
    body = _post(client, answer_wav).get_json()
    transcript = body["transcript"]
    text = transcript["text"].lower()
    assert "best news" in text and "celebrate" in text, text
    assert transcript["confident"] is True and transcript["language"] == "en"
    assert transcript["segments"] and transcript["segments"][0]["start"] < 1.0
    words = body["words"]
    assert words["word_count"] == len(transcript["text"].split())
    assert words["dominant"] in ("happy", "angry", "sad", "fear", "disgust")
    assert words["traits"] is None and words["too_short_for_traits"]  # ~20 words: too few for the Big Five

    html = client.get(f"/audio/result/{body['id']}").get_data(as_text=True)
    assert "Your words" in html and "celebrate" in html and "too few to read personality" in html


def test_transcript_is_private_and_deleted_with_the_result(client, app, answer_wav):
    body = _post(client, answer_wav).get_json()
    token = client.get("/my/").headers["Location"].rsplit("/", 1)[-1]
    export = client.get("/api/v1/me/export", headers={"X-ESAPR-Token": token}).get_data(as_text=True)
    assert "celebrate" in export
    # nobody else: a new client sees neither the result nor the words anywhere public
    other = app.test_client()
    assert other.get(f"/audio/result/{body['id']}").status_code == 404
    for path in ("/api/v1/history/audio.csv", "/api/v1/history/text"):
        assert "celebrate" not in other.get(path).get_data(as_text=True)
    assert client.delete(f"/api/v1/me/analyses/{body['id']}", headers={"X-ESAPR-Token": token}).status_code in (200, 204)
    export = client.get("/api/v1/me/export", headers={"X-ESAPR-Token": token}).get_data(as_text=True)
    assert "celebrate" not in export
