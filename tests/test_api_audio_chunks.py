"""The voice page's recording sent in chunks while the person speaks, as the live video page sends its microphone
(tests/test_api_video_chunks.py): read as the chunks come, in any order, once per index; a lost chunk is named at
the finish and sent again; the finish stores the same AudioAnalysis as an upload of the whole recording; nothing
of the sound is kept after the finish; the whole-recording upload (older pages) still works."""

from __future__ import annotations

import io

import pytest

from chunks import chunk_routes, said, sound_rows, spoken_answer

pytestmark = pytest.mark.usefixtures("needs_speech_model")


@pytest.fixture(scope="module")
def answer(tmp_path_factory) -> tuple[bytes, list[bytes], float]:
    return spoken_answer(tmp_path_factory.mktemp("speech"))


def _start(client) -> str:
    response = client.post("/api/v1/audio/session")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["session"]


_chunk, _finish = chunk_routes("audio")


def _send_all(client, session: str, chunks: list[bytes], skip: int | None = None) -> list[float]:
    reads = []
    for i, chunk in enumerate(chunks):
        if i != skip:
            response = _chunk(client, session, i, chunk, seconds=float(i + 1))
            assert response.status_code == 200, response.get_json()
            reads.append(response.get_json()["read_s"])
    return reads


def test_chunks_are_read_while_spoken_and_the_finish_stores_what_an_upload_stores(client, app, answer):
    whole, chunks, seconds = answer
    session = _start(client)
    reads = _send_all(client, session, chunks)
    assert max(reads) >= 6.0, reads  # the first stretch was read before the answer ended
    status = client.get(f"/api/v1/audio/session/{session}").get_json()
    assert status["channel"] == "audio" and status["sound"] == {"chunks": len(chunks), "read_s": max(reads)}
    response = _finish(client, session, len(chunks))
    assert response.status_code == 200, response.get_json()
    by_chunks = response.get_json()
    assert sound_rows(app) == 0  # nothing of the sound outlives the finish
    assert client.get(f"/api/v1/audio/session/{session}").get_json()["analysis_id"] == by_chunks["id"]
    uploaded = client.post("/api/v1/audio", data={"audio": (io.BytesIO(whole), "answer.webm")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 200, uploaded.get_json()
    by_whole = uploaded.get_json()
    assert set(by_chunks) == set(by_whole)  # the same AudioAnalysis, stored the same way
    assert abs(by_chunks["duration_s"] - seconds) < 0.5
    gap = max(abs(by_chunks["mean_probabilities"][e] - by_whole["mean_probabilities"][e])
              for e in by_whole["mean_probabilities"])
    assert gap < 0.1, (by_chunks["mean_probabilities"], by_whole["mean_probabilities"])
    assert [p["t"] for p in by_chunks["timeline"]] == [p["t"] for p in by_whole["timeline"]]
    assert said(by_chunks).split() == said(by_whole).split() and said(by_chunks).count("celebrate") == 2
    page = client.get(f"/audio/result/{by_chunks['id']}")
    assert page.status_code == 200 and "celebrate" in page.get_data(as_text=True)


def test_repeated_chunks_are_stored_once_and_order_does_not_matter(client, answer):
    _, chunks, seconds = answer
    session = _start(client)
    for n, i in enumerate(reversed(range(len(chunks)))):  # last first: nothing is readable until chunk 0 comes
        body = _chunk(client, session, i, chunks[i]).get_json()
        assert body["received"] == n + 1 and not body["duplicate"]
        assert body["contiguous"] == (len(chunks) if i == 0 else 0)
    again = _chunk(client, session, 3, b"a different body for the same index").get_json()
    assert again["duplicate"] and again["received"] == len(chunks)  # the first copy of index 3 is kept
    body = _finish(client, session, len(chunks)).get_json()
    assert abs(body["duration_s"] - seconds) < 0.5 and said(body).count("celebrate") == 2


def test_a_lost_chunk_is_named_at_the_finish_and_sent_again(client, answer):
    _, chunks, seconds = answer
    session = _start(client)
    lost = 7
    _send_all(client, session, chunks, skip=lost)
    refused = _finish(client, session, len(chunks))
    assert refused.status_code == 409 and refused.get_json()["missing"] == [lost]
    assert client.get(f"/api/v1/audio/session/{session}").get_json()["analysis_id"] is None  # still open
    assert _chunk(client, session, lost, chunks[lost]).get_json()["contiguous"] == len(chunks)
    body = _finish(client, session, len(chunks)).get_json()
    assert abs(body["duration_s"] - seconds) < 0.5 and said(body).count("celebrate") == 2


def test_without_the_count_the_finish_reads_up_to_the_lost_chunk(client, app, answer):
    """A client that does not say how many it sent gets what arrived in order: the answer up to the gap."""
    _, chunks, seconds = answer
    session = _start(client)
    _send_all(client, session, chunks, skip=12)
    body = _finish(client, session).get_json()
    assert abs(body["duration_s"] - 12 * seconds / len(chunks)) < 0.6, body["duration_s"]
    assert sound_rows(app) == 0


def test_a_finish_with_the_whole_recording_instead_of_chunks(client, app, answer):
    """The page sends the whole recording with the finish when its chunks could not be sent."""
    whole, chunks, seconds = answer
    session = _start(client)
    assert _chunk(client, session, 0, chunks[0]).status_code == 200
    response = client.post(f"/api/v1/audio/session/{session}/finish",
                           data={"audio": (io.BytesIO(whole), "answer.webm")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert abs(response.get_json()["duration_s"] - seconds) < 0.5 and sound_rows(app) == 0


def test_a_finish_without_chunks_is_refused_and_the_upload_route_is_unchanged(client, answer):
    whole, _, seconds = answer
    session = _start(client)
    empty = _finish(client, session, 0)
    assert empty.status_code == 400 and "empty" in empty.get_json()["error"]
    uploaded = client.post("/api/v1/audio", data={"audio": (io.BytesIO(whole), "answer.webm")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 200 and abs(uploaded.get_json()["duration_s"] - seconds) < 0.5


def test_chunks_are_refused_past_the_limits_and_for_others(client, app, answer):
    _, chunks, _ = answer
    app.config["AUDIO_MAX_SECONDS"] = 10
    session = _start(client)
    assert _chunk(client, session, 0, b"x" * (512 * 1024 + 1)).status_code == 413
    assert _chunk(client, session, 0, chunks[0], seconds=10.5).status_code == 413  # past the seconds, not stored
    assert client.get(f"/api/v1/audio/session/{session}").get_json()["sound"]["chunks"] == 0
    assert _chunk(client, session, 360, chunks[0]).status_code == 400
    assert _finish(client, session, 10**9).status_code == 400
    assert _chunk(app.test_client(), session, 0, chunks[0]).status_code == 422  # another person with the id
    video = client.post("/api/v1/video/session").get_json()["session"]
    assert _chunk(client, video, 0, chunks[0]).status_code == 422  # a video session is not the voice page's
    # The decoded sound counts too: the page's own seconds may be missing or wrong.
    codes = [_chunk(client, session, i, chunk).status_code for i, chunk in enumerate(chunks)]
    assert 413 in codes and set(codes) <= {200, 413}, codes
    refused = _finish(client, session, len(chunks))
    assert refused.status_code == 413 and sound_rows(app) == 0  # refused for good: the sound is dropped
    assert client.get(f"/api/v1/audio/session/{session}").get_json()["analysis_id"] is None


def test_a_finished_session_takes_no_more_sound(client, app, answer):
    _, chunks, _ = answer
    session = _start(client)
    _send_all(client, session, chunks)
    assert _finish(client, session, len(chunks)).status_code == 200
    assert _chunk(client, session, len(chunks), chunks[0]).status_code == 409
    assert _finish(client, session, len(chunks)).status_code == 409
    assert sound_rows(app) == 0
