"""The live answer's microphone sent in chunks while the person speaks: read as the chunks come, in any order, once
per index, on any worker; a lost chunk is named at the finish and sent again; nothing of the sound is kept after
the finish; a finish without chunks and an old page's whole recording still work."""

from __future__ import annotations

import io

import pytest

from chunks import chunk_routes, said, sound_rows, spoken_answer
from conftest import make_test_app
from media import interview_frame, jpeg_bytes

pytestmark = pytest.mark.usefixtures("needs_speech_model", "_needs_face_model")


@pytest.fixture
def _needs_face_model():
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}")


@pytest.fixture(scope="module")
def answer(tmp_path_factory) -> tuple[bytes, list[bytes], float]:
    return spoken_answer(tmp_path_factory.mktemp("speech"))


def _start(client, seconds: float = 3) -> str:
    session = client.post("/api/v1/video/session").get_json()["session"]
    frame = jpeg_bytes(interview_frame())
    for i in range(int(seconds)):
        response = client.post(f"/api/v1/video/frame?session={session}&t={float(i)}", data=frame,
                               content_type="image/jpeg")
        assert response.status_code == 200, response.get_json()
    return session


_chunk, _finish = chunk_routes("video")


def test_chunks_in_order_are_read_while_spoken_and_the_finish_reads_the_rest(client, app, answer):
    _, chunks, seconds = answer
    session = _start(client)
    reads = []
    for i, chunk in enumerate(chunks):
        response = _chunk(client, session, i, chunk, seconds=float(i + 1))
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["received"] == i + 1 and body["contiguous"] == i + 1 and not body["duplicate"]
        reads.append(body["read_s"])
    # The first stretch was read before the answer ended (the sentence said once is about 8 s).
    assert max(reads) >= 6.0, reads
    status = client.get(f"/api/v1/video/session/{session}").get_json()
    assert status["sound"] == {"chunks": len(chunks), "read_s": max(reads)}
    response = _finish(client, session, len(chunks))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["voice"]["timeline"] and abs(body["voice"]["duration_s"] - seconds) < 0.5
    words = said(body)
    assert words.count("celebrate") == 2 and words.count("believe it") == 2, words  # both halves, nothing lost between
    segments = body["transcript"]["segments"]
    assert all(a["end"] <= b["start"] + 0.05 for a, b in zip(segments, segments[1:]))  # in order on one clock
    assert sound_rows(app) == 0  # nothing of the sound outlives the finish
    page = client.get(f"/video/result/{body['id']}").get_data(as_text=True)
    assert "celebrate" in page and "spec-voice_timeline" in page


def test_chunks_read_while_spoken_give_the_reading_of_the_whole_recording(client, answer):
    whole, chunks, _ = answer
    streamed = _start(client)
    for i, chunk in enumerate(chunks):
        assert _chunk(client, streamed, i, chunk).status_code == 200
    by_chunks = _finish(client, streamed, len(chunks)).get_json()
    at_once = _start(client)
    by_whole = client.post(f"/api/v1/video/session/{at_once}/finish",
                           data={"audio": (io.BytesIO(whole), "answer.webm")},
                           content_type="multipart/form-data").get_json()
    a, b = by_chunks["voice"], by_whole["voice"]
    gap = max(abs(a["mean_probabilities"][e] - b["mean_probabilities"][e]) for e in a["mean_probabilities"])
    assert gap < 0.1, (a["mean_probabilities"], b["mean_probabilities"])
    assert [p["t"] for p in a["timeline"]] == [p["t"] for p in b["timeline"]]
    assert said(by_chunks).split() == said(by_whole).split()


def test_repeated_chunks_are_stored_once_and_order_does_not_matter(client, app, answer):
    _, chunks, seconds = answer
    session = _start(client)
    order = list(range(len(chunks)))[::-1]  # last first: nothing is readable until chunk 0 comes
    for n, i in enumerate(order):
        body = _chunk(client, session, i, chunks[i]).get_json()
        assert body["received"] == n + 1
        assert body["contiguous"] == (len(chunks) if i == 0 else 0)
    again = _chunk(client, session, 3, b"a different body for the same index").get_json()
    assert again["duplicate"] and again["received"] == len(chunks)  # the first copy of index 3 is kept
    assert _chunk(client, session, 0, chunks[0]).get_json()["duplicate"]
    body = _finish(client, session, len(chunks)).get_json()
    assert abs(body["voice"]["duration_s"] - seconds) < 0.5 and said(body).count("celebrate") == 2


def test_a_lost_chunk_is_named_at_the_finish_and_sent_again(client, answer):
    _, chunks, seconds = answer
    session = _start(client)
    lost = 7
    for i, chunk in enumerate(chunks):
        if i != lost:
            assert _chunk(client, session, i, chunk, seconds=float(i + 1)).status_code == 200
    refused = _finish(client, session, len(chunks))
    assert refused.status_code == 409 and refused.get_json()["missing"] == [lost]
    assert client.get(f"/api/v1/video/session/{session}").get_json()["analysis_id"] is None  # still open
    assert _chunk(client, session, lost, chunks[lost]).get_json()["contiguous"] == len(chunks)
    body = _finish(client, session, len(chunks)).get_json()
    assert abs(body["voice"]["duration_s"] - seconds) < 0.5 and said(body).count("celebrate") == 2


def test_another_worker_continues_the_session(tmp_path, shared_loaders, answer):
    """Two apps over one database are two workers: the state between chunks lives in the database, so the second
    continues what the first read (and what it read is used, not read again)."""
    _, chunks, seconds = answer
    first = make_test_app(tmp_path, shared_loaders)
    second = make_test_app(tmp_path, shared_loaders)
    try:
        one, two = first.test_client(), second.test_client()
        session = _start(one)
        token = one.get("/my/").headers["Location"].rsplit("/", 1)[-1]
        mine = {"X-ESAPR-Token": token}
        half = len(chunks) - 3
        for i in range(half):
            assert _chunk(one, session, i, chunks[i], seconds=float(i + 1)).status_code == 200
        read_by_first = two.get(f"/api/v1/video/session/{session}", headers=mine).get_json()["sound"]["read_s"]
        assert read_by_first > 0
        for i in range(half, len(chunks)):
            response = two.post(f"/api/v1/video/session/{session}/sound/{i}?t={i + 1}", data=chunks[i],
                                content_type="application/octet-stream", headers=mine)
            assert response.status_code == 200, response.get_json()
        response = two.post(f"/api/v1/video/session/{session}/finish", data={"chunks": str(len(chunks))},
                            content_type="multipart/form-data", headers=mine)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert abs(body["voice"]["duration_s"] - seconds) < 0.5 and said(body).count("celebrate") == 2
        assert body["frames_with_face"] == 3  # the frames the first worker stored
    finally:
        first.extensions["esapr_store"].close()
        second.extensions["esapr_store"].close()


def test_a_finish_without_chunks_reads_the_face_alone(client, app):
    session = _start(client)
    body = _finish(client, session).get_json()
    assert body["frames_with_face"] == 3 and body["voice"] is None
    assert "No microphone recording came with this answer" in body["voice_note"]


def test_an_old_page_finishes_with_the_whole_recording(client, app, answer):
    whole, _, seconds = answer
    session = _start(client)
    response = client.post(f"/api/v1/video/session/{session}/finish",
                           data={"audio": (io.BytesIO(whole), "answer.webm")}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert abs(body["voice"]["duration_s"] - seconds) < 0.5 and said(body).count("celebrate") == 2


def test_chunks_are_refused_past_the_limits_and_for_others(client, app, answer):
    _, chunks, _ = answer
    session = _start(client, 1)
    assert _chunk(client, session, 0, b"x" * (512 * 1024 + 1)).status_code == 413  # counted before anything is read
    assert _chunk(client, session, 360, chunks[0]).status_code == 400
    assert _chunk(client, session, 0, b"").status_code == 400
    assert _finish(client, session, 10**9).status_code == 400  # a count no page sends is refused, not counted to
    stranger = app.test_client()  # another person with the session's id
    assert _chunk(stranger, session, 0, chunks[0]).status_code == 422
    assert _chunk(client, "0" * 32, 0, chunks[0]).status_code == 422
    assert _finish(client, session).status_code == 200
    assert _chunk(client, session, 1, chunks[1]).status_code == 409  # finished: no more sound
    assert sound_rows(app) == 0


def test_the_sound_of_an_abandoned_answer_goes_with_it(client, app, answer):
    """An answer never finished: its chunks go when the person deletes their data, or with the expired session."""
    from library.history.owners import delete_owned, owner_of, purge

    _, chunks, _ = answer
    kept = _start(client, 1)
    assert _chunk(client, kept, 0, chunks[0]).status_code == 200
    token = client.get("/my/").headers["Location"].rsplit("/", 1)[-1]
    delete_owned(app.extensions["esapr_store"], owner_of(token))
    assert sound_rows(app) == 0
    abandoned = _start(client, 1)
    assert _chunk(client, abandoned, 0, chunks[0]).status_code == 200
    assert sound_rows(app) == 1
    purge(app.extensions["esapr_store"], keep_days=0, live_keep_s=0)
    assert sound_rows(app) == 0
    assert _finish(client, abandoned, 10**9).status_code == 409  # gone with its session (409 before any count)


def test_a_damaged_recording_keeps_the_face(client, answer):
    session = _start(client)
    for i in range(4):
        assert _chunk(client, session, i, b"these are not sounds " * 40).status_code == 200
    body = _finish(client, session, 4).get_json()
    assert body["frames_with_face"] == 3 and body["voice"] is None and "could not be read" in body["voice_note"]
