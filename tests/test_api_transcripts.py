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
    # The same reading a written answer gets: named only above the measured confidence, and the words behind it.
    reading = words["reading"]
    assert reading["state"] in ("named", "unclear", "neutral")
    assert (reading["state"] == "named") == (reading["confidence"] >= reading["unclear_below"])
    assert reading["label"] == max(reading["probabilities"], key=reading["probabilities"].get)
    assert reading["pushed_by"] and all(w.lower() in text for w, _ in reading["pushed_by"])

    html = client.get(f"/audio/result/{body['id']}").get_data(as_text=True)
    assert "Your words" in html and "celebrate" in html and "too few to read personality" in html
    assert f'<span class="big">{reading["shown"]}</span>' in html
    assert f"<strong>{reading['pushed_by'][0][0]}</strong>" in html


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


def test_a_voice_row_from_before_spoken_readings_still_shows_its_words(client, app, answer_wav):
    """Rows stored before the words had a reading keep the old sentence ("reads mostly ...")."""
    from library.stored_kinds import read_result
    from test_interview_web import owned_store

    body = _post(client, answer_wav).get_json()
    store = owned_store(client, app)
    scores = dict(store.get(body["id"]).scores)
    scores["words"] = {k: v for k, v in scores["words"].items() if k != "reading"}
    old_id = store.add("audio", read_result("audio", scores)).id
    html = client.get(f"/audio/result/{old_id}").get_data(as_text=True)
    assert "reads mostly" in html and "as it reads a written answer" not in html
