"""Idempotency-Key: a retried analysis is answered from the first one, never stored twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from library.history.idempotency import _IdempotentRequestRow, claim
from sample_texts import ESSAY, GLOOMY

TOKEN = "X-ESAPR-Token"


def _post(client, key=None, token="t" * 32, text=ESSAY):
    headers = {TOKEN: token}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/text", data={"text": text}, headers=headers)


def test_a_retry_gets_the_first_answer_and_nothing_is_stored_twice(db_app):
    client, store = db_app.test_client(), db_app.extensions["esapr_store"]
    first = _post(client, "retry-1")
    again = _post(client, "retry-1", text=GLOOMY * 2)  # even with another body: the key decides
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
        from web.idempotency import _scoped_key

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
