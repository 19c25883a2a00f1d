"""Idempotency-Key: a retried analysis is answered from the first one, never stored twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from library.history.idempotency import _IdempotentRequestRow, claim
from sample_texts import ESSAY, GLOOMY

pytestmark = pytest.mark.real_models  # replays real analyses

TOKEN = "X-ESAPR-Token"


def _post(client, key=None, token="t" * 32, text=ESSAY):
    headers = {TOKEN: token}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/text", data={"text": text}, headers=headers)


def test_a_retry_gets_the_first_answer_and_nothing_is_stored_twice(db_app):
    client, store = db_app.test_client(), db_app.extensions["esapr_store"]
    first = _post(client, "retry-1")
    again = _post(client, "retry-1")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json()
    assert store.count("text") == 1
    assert _post(client, "retry-2").get_json()["id"] != first.get_json()["id"]  # a new key is a new request
    assert store.count("text") == 2


def test_keys_are_scoped_to_the_client(db_app):
    client, store = db_app.test_client(), db_app.extensions["esapr_store"]
    mine = _post(client, "same-key", token="a" * 32).get_json()
    theirs = _post(client, "same-key", token="b" * 32)
    assert "Idempotent-Replayed" not in theirs.headers and theirs.get_json()["id"] != mine["id"]
    assert store.count("text") == 2


def test_a_failed_request_is_not_kept_so_its_retry_runs(db_app):
    client = db_app.test_client()
    assert _post(client, "k", text="too short").status_code == 422
    retried = _post(client, "k")
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers


def test_a_request_still_running_gives_409_until_its_claim_goes_stale(db_app):
    client, store = db_app.test_client(), db_app.extensions["esapr_store"]
    # A claim with no answer, as a worker killed mid-request leaves it: found by the same scoping.
    with db_app.test_request_context("/api/v1/text", method="POST", headers={TOKEN: "t" * 32}):
        from web.platform.idempotency import _scoped_key

        scoped = _scoped_key("in-flight")
    assert claim(store, scoped, None, stale_after_s=600).outcome == "new"
    busy = _post(client, "in-flight")
    assert busy.status_code == 409 and "still being answered" in busy.get_json()["error"]
    with Session(store.engine) as session, session.begin():
        session.execute(update(_IdempotentRequestRow).where(_IdempotentRequestRow.key == scoped)
                        .values(created_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    assert _post(client, "in-flight").status_code == 200  # the dead request's claim is taken over


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
def test_malformed_keys_are_400(client, key):
    response = _post(client, key)
    assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["error"]


def test_kept_answers_are_exported_and_deleted_with_the_rest(db_app):
    client, token = db_app.test_client(), "e" * 32
    _post(client, "to-export", token=token)
    export = client.get("/api/v1/me/export", headers={TOKEN: token}).get_json()
    assert len(export["kept_for_retries"]) == 1 and export["kept_for_retries"][0]["status"] == 200
    client.delete("/api/v1/me", headers={TOKEN: token})
    assert client.get("/api/v1/me/export", headers={TOKEN: token}).get_json()["kept_for_retries"] == []


# --- #15: keys belong to their owner, bind to their request, and go with the analysis -------------

def _cookie_post(client, key, text=ESSAY):
    return client.post("/api/v1/text", data={"text": text}, headers={"Idempotency-Key": key})


def test_two_cookie_clients_on_one_address_never_share_answers(db_app):
    """Finding 6: the key was scoped by the IP when no header token was sent, so a second browser behind
    the same address replayed the first one's answer (its id and words)."""
    alice, bob = db_app.test_client(), db_app.test_client()
    mine = _cookie_post(alice, "same-key")
    theirs = _cookie_post(bob, "same-key", text=GLOOMY * 2)
    assert mine.status_code == theirs.status_code == 200
    assert "Idempotent-Replayed" not in theirs.headers and theirs.get_json()["id"] != mine.get_json()["id"]
    # Each browser's own retry is still answered from its first request.
    again = _cookie_post(alice, "same-key")
    assert again.headers["Idempotent-Replayed"] == "true" and again.get_json() == mine.get_json()


def test_without_any_token_a_key_replays_nothing(db_app):
    """A client with no cookie and no token is a new person each time: it cannot pick up another's answer."""
    first = db_app.test_client().post("/api/v1/text", data={"text": ESSAY}, headers={"Idempotency-Key": "k"})
    stranger = db_app.test_client().post("/api/v1/text", data={"text": GLOOMY * 2}, headers={"Idempotency-Key": "k"})
    assert "Idempotent-Replayed" not in stranger.headers and stranger.get_json()["id"] != first.get_json()["id"]


def test_the_same_key_with_another_body_is_422(db_app):
    client, store = db_app.test_client(), db_app.extensions["esapr_store"]
    first = _post(client, "bound")
    other = _post(client, "bound", text=GLOOMY * 2)
    assert other.status_code == 422 and "different request" in other.get_json()["error"]
    assert "Idempotent-Replayed" not in other.headers and first.get_json()["id"] not in other.get_data(as_text=True)
    assert store.count("text") == 1


def test_a_multipart_retry_with_a_new_boundary_still_replays(db_app):
    """Browsers build a new multipart boundary for each try: the request hash is of the fields, not the bytes."""
    client = db_app.test_client()
    headers = {TOKEN: "m" * 32, "Idempotency-Key": "upload"}

    def send(boundary: str):
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"essay.txt\"\r\n"
                f"Content-Type: text/plain\r\n\r\n{ESSAY}\r\n--{boundary}--\r\n").encode()
        return client.post("/api/v1/text", data=body, headers=headers,
                           content_type=f"multipart/form-data; boundary={boundary}")

    first, retry = send("one-boundary"), send("another-boundary")
    assert first.status_code == retry.status_code == 200
    assert retry.headers["Idempotent-Replayed"] == "true" and retry.get_json() == first.get_json()


def test_a_multipart_part_without_a_name_is_hashed_not_a_500(db_app):
    """Fuzzing found it: a part whose Content-Disposition has no name parses as the field None, and
    sorting None beside a str raised TypeError inside the request hash."""
    client = db_app.test_client()
    boundary = "b0und"
    body = (f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{ESSAY}\r\n--{boundary}--\r\n").encode()
    response = client.post("/api/v1/text", data=body, headers={TOKEN: "n" * 32, "Idempotency-Key": "nameless"},
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_deleting_an_analysis_deletes_its_kept_answer(db_app):
    """After a result is deleted its kept answer neither replays nor stays in the export."""
    client, token = db_app.test_client(), "d" * 32
    first = _post(client, "gone", token=token).get_json()
    assert client.delete(f"/api/v1/me/analyses/{first['id']}", headers={TOKEN: token}).status_code == 200
    export = client.get("/api/v1/me/export", headers={TOKEN: token}).get_json()
    assert export["kept_for_retries"] == []
    retried = _post(client, "gone", token=token)
    assert "Idempotent-Replayed" not in retried.headers and retried.get_json()["id"] != first["id"]


def test_the_same_file_under_another_name_or_type_is_another_request(db_app):
    """Security v3 (#27): the request hash ignored a part's file name and content type, so a retry that changed them
    was answered with the first one's result."""
    client = db_app.test_client()
    headers = {TOKEN: "f" * 32, "Idempotency-Key": "named"}

    def send(name: str, content_type: str = "text/plain"):
        body = (f"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: {content_type}\r\n\r\n{ESSAY}\r\n--b--\r\n").encode()
        return client.post("/api/v1/text", data=body, headers=headers, content_type="multipart/form-data; boundary=b")

    assert send("essay.txt").status_code == 200
    assert send("essay.txt").headers.get("Idempotent-Replayed") == "true"
    for other in (send("other.txt"), send("essay.txt", "application/octet-stream")):
        assert other.status_code == 422 and "different request" in other.get_json()["error"]
