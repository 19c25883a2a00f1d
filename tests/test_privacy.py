"""A person's own results: see, export, delete by private token; retention; nothing of the media kept.

Runs on SQLite and on PostgreSQL (``db_app``), as the store's behaviour must not depend on the database.
"""

from __future__ import annotations

import io
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from library.history import HistoryStore
from library.history.owners import owner_of, purge
from library.history.schema import _AnalysisRow
from library.paths import MODELS_DIR
from library.stored_kinds import STORED_KINDS, read_result
from media import interview_frame, jpeg_bytes, make_video
from sample_texts import ESSAY
from speech import wav_bytes

HEADER = "X-ESAPR-Token"


def file_sha256_16(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _analyse(client, token: str | None = None, text: str = ESSAY):
    headers = {HEADER: token} if token else {}
    response = client.post("/api/v1/text", data={"text": text}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"], response.headers[HEADER]


@pytest.mark.real_models
def test_api_client_sees_exports_and_deletes_only_its_own(db_app):
    alice, bob = db_app.test_client(), db_app.test_client()
    first, alice_token = _analyse(alice)
    second, same = _analyse(alice, alice_token)
    assert same == alice_token  # the token a client sends is the one it keeps
    bobs, bob_token = _analyse(bob)
    assert bob_token != alice_token

    listed = alice.get("/api/v1/me", headers={HEADER: alice_token}).get_json()["analyses"]
    assert [a["id"] for a in listed] == [first, second]

    export = alice.get("/api/v1/me/export", headers={HEADER: alice_token}).get_json()
    assert {a["id"] for a in export["analyses"]} == {first, second}
    assert all("traits" in a["scores"] for a in export["analyses"])
    assert "sitting in my room" not in repr(export)  # figures only, never the text
    # Each exported result names the model files that made it, by hash: traceable after a retrain
    shipped = file_sha256_16(MODELS_DIR / "text" / "personality.joblib")
    for analysis in export["analyses"]:
        assert {"name": "personality.joblib", "version": None, "sha256": shipped} in analysis["scores"]["models"]
    csv_text = alice.get("/my/" + alice_token + "/history/text.csv").get_data(as_text=True)
    assert "models" in csv_text.splitlines()[0].split(",") and shipped in csv_text

    # Bob's id under Alice's token deletes nothing, and says so.
    assert alice.delete(f"/api/v1/me/analyses/{bobs}", headers={HEADER: alice_token}).status_code == 404
    assert alice.delete(f"/api/v1/me/analyses/{first}", headers={HEADER: alice_token}).get_json() == {"deleted": 1}
    assert alice.get(f"/text/result/{first}").status_code == 404
    assert alice.delete("/api/v1/me", headers={HEADER: alice_token}).get_json() == {"deleted": 1}
    assert alice.get("/api/v1/me", headers={HEADER: alice_token}).get_json()["analyses"] == []
    assert bob.get(f"/text/result/{bobs}").status_code == 200  # Bob's result untouched


@pytest.mark.parametrize("token", [None, "", "short", "x" * 32 + "'; DROP TABLE analyses; --", "é" * 32])
def test_api_without_a_valid_token_is_401(client, token):
    headers = {HEADER: token} if token is not None else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert HEADER in response.get_json()["error"]


@pytest.mark.real_models
def test_browser_page_lists_and_deletes_by_cookie_and_private_link(db_app):
    browser = db_app.test_client()
    assert b"Nothing has been stored from this browser" in browser.get("/my/").data
    analysis_id, token = _analyse(browser)

    page = browser.get("/my/", follow_redirects=True)
    assert page.status_code == 200 and f"/my/{token}".encode() in page.data and analysis_id.encode() in page.data
    assert page.headers.get("Referrer-Policy", "no-referrer") == "no-referrer"

    # The private link works from another device (no cookie) too.
    other_device = db_app.test_client()
    assert analysis_id.encode() in other_device.get(f"/my/{token}").data
    exported = other_device.get(f"/my/{token}/export.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    assert exported.get_json()["analyses"][0]["id"] == analysis_id

    done = other_device.post(f"/my/{token}/delete", follow_redirects=True)
    assert b"Deleted 1 result" in done.data and analysis_id.encode() not in done.data
    assert browser.get(f"/text/result/{analysis_id}").status_code == 404


def test_malformed_private_link_is_404_not_an_error(client):
    for path in ("/my/not-a-token", "/my/..%2F..%2Fetc%2Fpasswd", "/my/" + "a" * 500):
        assert client.get(path).status_code == 404


def _age(store: HistoryStore, analysis_id: str, days: float) -> None:
    with Session(store.engine) as session, session.begin():
        session.execute(update(_AnalysisRow).where(_AnalysisRow.public_id == analysis_id)
                        .values(created_at=datetime.now(timezone.utc) - timedelta(days=days)))


def test_retention_purges_expired_rows_and_keeps_recent_ones(db_app):
    store = db_app.extensions["esapr_store"]
    old, recent = store.add("text", read_result("text", {"n": 1})), store.add("text", read_result("text", {"n": 2}))
    _age(store, old.id, 400)
    _age(store, recent.id, 10)
    assert purge(store, keep_days=0, live_keep_s=3600)["analyses"] == 0  # 0 keeps all
    assert purge(store, keep_days=365, live_keep_s=3600)["analyses"] == 1
    assert store.get(old.id) is None and store.get(recent.id) is not None


@pytest.mark.real_models
def test_abandoned_captures_are_purged_with_their_samples(db_app):
    client = db_app.test_client()
    session_id = client.post("/api/v1/video/session").get_json()["session"]
    frame = jpeg_bytes(interview_frame())
    client.post("/api/v1/video/frame", data={"session": session_id, "t": "0.0",
                                             "frame": (io.BytesIO(frame), "f.jpg")})
    token = client.get("/my/", follow_redirects=False).headers["Location"].rsplit("/", 1)[-1]
    captures = client.get(f"/my/{token}/export.json").get_json()["captures"]
    assert captures[0]["id"] == session_id and len(captures[0]["samples"]) == 1

    store = db_app.extensions["esapr_store"]
    later = datetime.now(timezone.utc) + timedelta(hours=3)
    assert purge(store, keep_days=365, live_keep_s=3600, now=later)["captures"] == 1
    assert client.get(f"/my/{token}/export.json").get_json()["captures"] == []


def test_an_older_database_gains_the_owner_column(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:  # the table as it was before #6
        conn.exec_driver_sql("CREATE TABLE analyses (seq INTEGER PRIMARY KEY AUTOINCREMENT, public_id VARCHAR(32) "
                             "UNIQUE, channel VARCHAR(16), created_at DATETIME, scores JSON)")
        conn.exec_driver_sql("INSERT INTO analyses (public_id, channel, created_at, scores) "
                             "VALUES ('a' , 'text', '2026-01-01 00:00:00', '{\"n\": 1}')")
    engine.dispose()
    store = HistoryStore(url, STORED_KINDS).for_owner(owner_of("t" * 32))
    assert store.get("a").scores == {"n": 1}  # old rows kept
    added = store.add("text", read_result("text", {"n": 2}))
    # The new column is written: the new row opens for its owner only; the old row belongs to nobody.
    assert store.get_owned(added.id).scores == added.scores and added.scores["n"] == 2
    assert store.get_owned("a") is None
    assert store.for_owner(owner_of("u" * 32)).get_owned(added.id) is None
    assert store.count("text") == 2
    store.close()


def test_workers_without_a_configured_key_share_one_from_the_database(tmp_path, shared_loaders):
    from conftest import make_test_app

    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    one = make_test_app(tmp_path / "a", shared_loaders, DATABASE_URL=url, SECRET_KEY=None)
    two = make_test_app(tmp_path / "b", shared_loaders, DATABASE_URL=url, SECRET_KEY=None)
    assert one.config["SECRET_KEY"] == two.config["SECRET_KEY"] and len(one.config["SECRET_KEY"]) == 64
    # A cookie signed by one worker is read by the other: the interview continues on any worker.
    first = one.test_client()
    first.post("/interview/", data={"consent": "yes"})
    cookie = first.get_cookie("session")
    second = two.test_client()
    second.set_cookie("session", cookie.value)
    assert second.get("/interview/").status_code == 302


def _files_under(*roots: Path) -> set[str]:
    return {str(p) for root in roots for p in root.rglob("*") if p.is_file()}


@pytest.mark.real_models
def test_no_upload_or_frame_survives_a_request(app, client, tmp_path, monkeypatch):
    """Good and bad uploads on every channel leave no file behind and no media in the database."""
    spool = tmp_path / "tmpdir"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    instance = Path(app.instance_path)
    db_file = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    before = _files_under(instance, db_file.parent)

    marker = "zebra-quartz-marker"
    frame = jpeg_bytes(interview_frame())
    video = make_video([interview_frame(dx=i) for i in range(20)])
    tone = (0.3 * np.sin(np.linspace(0, 2 * np.pi * 220 * 3, 16000 * 3))).astype(np.float32)
    requests = [
        ("/api/v1/text", {"text": f"{ESSAY} {marker}"}),
        ("/api/v1/text", {"file": (io.BytesIO(b"%PDF-1.4 broken " + marker.encode()), "x.pdf")}),
        ("/api/v1/video/frame", {"frame": (io.BytesIO(frame), "f.jpg")}),
        ("/api/v1/video/frame", {"frame": (io.BytesIO(b"\xff\xd8junk" + marker.encode()), "f.jpg")}),
        ("/api/v1/video", {"video": (io.BytesIO(video), "v.mp4")}),
        ("/api/v1/video", {"video": (io.BytesIO(video[: len(video) // 3]), "v.mp4")}),
        ("/api/v1/audio", {"audio": (io.BytesIO(wav_bytes(tone, 16000)), "a.wav")}),
        ("/api/v1/audio", {"audio": (io.BytesIO(b"RIFF" + marker.encode() * 100), "a.wav")}),
    ]
    statuses = [client.post(path, data=data).status_code for path, data in requests]
    assert statuses[0] == 200 and statuses[2] == 200 and statuses[4] == 200  # the good ones were analysed
    assert all(s < 500 for s in statuses), statuses

    assert list(spool.iterdir()) == []
    after = _files_under(instance, db_file.parent)
    # Only the database (and its journal) and the cached chart bundle may be new.
    new = {Path(p).name for p in after - before}
    assert all(name.startswith(db_file.name) or name.startswith("vega-bundle") for name in new), new
    for path in after:
        assert marker.encode() not in Path(path).read_bytes(), path


@pytest.mark.real_models
def test_report_still_opens_after_one_of_its_answers_is_deleted(client):
    """Deleting the written answer alone leaves the interview report readable, without that channel."""
    session_id = client.post("/interview/", data={"consent": "yes"}).headers["Location"].split("/")[-2]
    client.post(f"/api/v1/interview/{session_id}/video/skip")
    client.post(f"/api/v1/interview/{session_id}/audio/skip")
    answer = client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY}).get_json()
    report_url = client.post(answer["next_url"]).headers["Location"]
    token = client.get("/my/").headers["Location"].rsplit("/", 1)[-1]
    mine = client.get("/api/v1/me", headers={HEADER: token}).get_json()["analyses"]
    assert [a["channel"] for a in mine] == ["text", "interview"]  # the report is theirs too

    assert client.delete(f"/api/v1/me/analyses/{answer['id']}", headers={HEADER: token}).status_code == 200
    page = client.get(report_url)
    assert page.status_code == 200 and "Big Five" not in page.get_data(as_text=True)
    assert client.get(report_url + ".json").status_code == 200
