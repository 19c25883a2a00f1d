"""A live capture tracks its face across frames, whichever worker serves each frame, with one write a frame."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event, update

from conftest import make_test_app
from library.history.schema import _LiveSessionRow
from library.video.faces import FaceFinder
from media import interview_frame, jpeg_bytes

pytestmark = pytest.mark.real_models  # the face model reads every frame


@pytest.fixture(autouse=True)
def _needs_model(app):
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH} (python -m library.video.train)")


@pytest.fixture
def two_workers(tmp_path, shared_loaders, database_url):
    """Two apps over one database (each the app supports), as two gunicorn workers are."""
    apps = [make_test_app(tmp_path, shared_loaders, DATABASE_URL=database_url) for _ in range(2)]
    yield apps
    for app in apps:
        app.extensions["esapr_store"].close()


@pytest.fixture
def detections(monkeypatch):
    calls = []
    original = FaceFinder.detect

    def counting(self, gray):
        calls.append(gray.shape)
        return original(self, gray)

    monkeypatch.setattr(FaceFinder, "detect", counting)
    return calls


def _frame(client, session, index, after=None):
    # The head moves 4 px a frame, as in a webcam capture.
    data = jpeg_bytes(interview_frame(4 * index))
    form = {"frame": (io.BytesIO(data), "f.jpg"), "session": session, "t": f"{index * 0.2:.1f}"}
    if after is not None:
        form["after"] = str(after)
    return client.post("/api/v1/video/frame", data=form, content_type="multipart/form-data")


def _same_owner(clients):
    """Both workers serve one browser: the private token the first answer gave goes with every request."""
    token = clients[0].post("/api/v1/video/session").headers["X-ESAPR-Token"]
    for client in clients:
        client.environ_base["HTTP_X_ESAPR_TOKEN"] = token
    return clients[0].post("/api/v1/video/session").get_json()["session"]


def test_frames_alternating_between_workers_are_tracked(two_workers, detections):
    clients = [app.test_client() for app in two_workers]
    session = _same_owner(clients)
    detect_every = two_workers[0].extensions["esapr_models"].get("face_pipeline").config.detect_every
    for index in range(10):
        response = _frame(clients[index % 2], session, index)
        assert response.status_code == 200, response.get_json()
        assert len(response.get_json()["faces"]) == 1
        assert response.get_json()["frames_in_session"] == index + 1
    # Without the tracker's state in the session row each frame would run the detector (10 of 10).
    assert len(detections) == -(-10 // detect_every)
    finished = clients[1].post(f"/api/v1/video/session/{session}/finish").get_json()
    assert finished["frames_analysed"] == 10 and finished["frames_with_face"] == 10


def _statements(app, send) -> list[str]:
    statements = []
    engine = app.extensions["esapr_store"].engine

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert send().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements


def test_a_frame_is_one_write_on_the_worker_that_served_the_one_before(app, client):
    session = client.post("/api/v1/video/session").get_json()["session"]
    count = _frame(client, session, 0).get_json()["frames_in_session"]  # models loaded, tables warm
    # As the page sends it: with the count the last answer gave. This worker wrote it: no read.
    statements = _statements(app, lambda: _frame(client, session, 1, after=count))
    assert statements.count("SELECT") == 0, statements
    assert statements.count("UPDATE") == 1 and statements.count("INSERT") == 1, statements
    # Without the count (another client, an old page) or with one this worker did not write: one read, one write.
    assert _statements(app, lambda: _frame(client, session, 2)).count("SELECT") == 1
    assert _statements(app, lambda: _frame(client, session, 3, after=1)).count("SELECT") == 1


def test_a_count_from_another_worker_makes_the_next_worker_read_the_session(two_workers, detections):
    """Frames 0-2 on the first worker, 3-5 on the second, 6 back on the first: its own copy is three frames old,
    and the count the page sends says so, so it reads the row and continues the second worker's track."""
    clients = [app.test_client() for app in two_workers]
    session = _same_owner(clients)
    count = 0
    for index, worker in enumerate([0, 0, 0, 1, 1, 1, 0]):
        answer = _frame(clients[worker], session, index, after=count).get_json()
        assert answer["frames_in_session"] == index + 1 and len(answer["faces"]) == 1
        count = answer["frames_in_session"]
    contexts = [app.extensions["esapr_store"].live_contexts for app in two_workers]
    assert contexts[0].hits == 2 and contexts[1].hits == 2  # frames 1, 2 and 4, 5; 0, 3 and 6 read the row
    detect_every = two_workers[0].extensions["esapr_models"].get("face_pipeline").config.detect_every
    assert len(detections) == -(-7 // detect_every)  # the track went on across both hand-overs


def test_a_session_from_before_the_counter_still_counts(app, client):
    """Sessions started before the ``samples`` column existed (NULL there) are counted from their rows."""
    session = client.post("/api/v1/video/session").get_json()["session"]
    for index in range(3):
        _frame(client, session, index)
    engine = app.extensions["esapr_store"].engine
    with engine.begin() as conn:
        conn.execute(update(_LiveSessionRow).where(_LiveSessionRow.public_id == session)
                     .values(samples=None, track=None))
    assert _frame(client, session, 3).get_json()["frames_in_session"] == 4
    assert client.get(f"/api/v1/video/session/{session}").get_json()["samples"] == 4


def test_a_full_session_refuses_the_next_frame(app, client):
    app.config["LIVE_SESSION_MAX_FRAMES"] = 2
    session = client.post("/api/v1/video/session").get_json()["session"]
    assert [_frame(client, session, i).status_code for i in range(3)] == [200, 200, 409]
    assert client.get(f"/api/v1/video/session/{session}").get_json()["samples"] == 2


def test_a_frame_sent_as_the_body_with_its_session_in_the_query_counts(app, client):
    """How the live page sends frames: the JPEG as the whole body, no multipart form to parse."""
    session = client.post("/api/v1/video/session").get_json()["session"]
    for index in range(2):
        response = client.post(f"/api/v1/video/frame?session={session}&t={index * 0.2:.1f}",
                               data=jpeg_bytes(interview_frame(4 * index)), content_type="image/jpeg")
        assert response.status_code == 200 and response.get_json()["frames_in_session"] == index + 1
    finished = client.post(f"/api/v1/video/session/{session}/finish").get_json()
    assert finished["frames_analysed"] == 2 and finished["timeline"][1]["t"] == 0.2


def test_someone_else_with_the_session_id_and_its_count_is_refused(app, client):
    """The worker's own copy of a session is only for its owner: a leaked session id and count feed nothing."""
    session = client.post("/api/v1/video/session").get_json()["session"]
    count = _frame(client, session, 0).get_json()["frames_in_session"]
    stranger = app.test_client()
    stranger.post("/api/v1/video/session")  # a token of their own
    assert _frame(stranger, session, 1, after=count).status_code == 422
    assert _frame(client, session, 1, after=count).get_json()["frames_in_session"] == 2  # the owner's go on
