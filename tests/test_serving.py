"""The production server under load and faults (#6): invariants only.

Each test runs the real thing, ``python main.py serve`` (gunicorn, gthread workers) on 127.0.0.1,
through benchmarks/serving.py, which stops it (the whole process group) also when a test fails.
Figures - throughput, latency percentiles - come from benchmarks/load.py and benchmarks/faults.py,
which these tests share their clients and checks with; nothing here is timed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy.exc

from benchmarks.faults import kill_worker_mid_writes, read_only, refusal_problems
from benchmarks.load import Markers, Outcome, Payloads, failures, run_load, verify_exactly_once
from benchmarks.serving import ROOT, Server, free_port
from conftest import make_test_app
from sample_texts import ESSAY

pytestmark = pytest.mark.slow  # starts gunicorn servers

CLIENTS = 16
REQUESTS_PER_ENDPOINT = 32  # two of each kind per client: every client writes while the others do


@pytest.fixture(scope="module")
def payloads() -> Payloads:
    made = Payloads()
    made.prepare(("text", "frame", "audio"))  # skips, saying why, without espeak-ng
    return made


def _has_loaded(library: str, pid: int) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


def _has_loaded_torch(pid: int) -> bool:
    return _has_loaded("libtorch", pid)


def test_home_page_answers_with_two_workers_and_serving_never_loads_torch(tmp_path):
    # An empty database: the master creates the tables before the fork (web/platform/serve.py), so the
    # workers do not race to create them (a lost race used to halt the whole server).
    with Server(f"sqlite:///{tmp_path / 'history.sqlite3'}", workers=2) as server:  # returns at GET / == 200
        workers = server.wait_for_workers(2)
        assert len(workers) == 2
        assert server.home_status() == 200
        deadline = time.monotonic() + 120
        while not all(_has_loaded("ctranslate2", pid) for pid in workers):  # the voice model: warmed last
            assert time.monotonic() < deadline, "the workers did not warm their models in 120 s"
            time.sleep(0.5)
        time.sleep(2)  # the face model's Grad-CAM check comes after the voice model in the warm-up
        # Every model, Grad-CAM included, runs on ONNX Runtime, CTranslate2, scikit-learn or numpy.
        assert not [pid for pid in workers if _has_loaded_torch(pid)]
        assert "Exception in worker process" not in server.log_text()


def test_sixteen_clients_get_no_5xx_and_every_analysis_is_stored_exactly_once(database_url, payloads):
    with Server(database_url, workers=2) as server:
        outcomes, _ = run_load(server, payloads, requests_per_kind=REQUESTS_PER_ENDPOINT, clients=CLIENTS,
                               markers=Markers())
        verdict = verify_exactly_once(database_url, outcomes)

    assert failures(outcomes) == []  # every request answered 200: no 5xx, no broken connection
    assert {kind: sum(o.kind == kind for o in outcomes) for kind in ("text", "frame", "audio")} == \
        {"text": REQUESTS_PER_ENDPOINT, "frame": REQUESTS_PER_ENDPOINT, "audio": REQUESTS_PER_ENDPOINT}
    assert verdict.problems == []
    assert verdict.answered == {"text": REQUESTS_PER_ENDPOINT, "audio": REQUESTS_PER_ENDPOINT, "video": CLIENTS}
    assert verdict.stored == verdict.answered  # and nothing besides


def test_a_worker_killed_mid_writes_leaves_the_database_intact_and_the_others_serving(database_url):
    writers = 8
    result = kill_worker_mid_writes(database_url, writes=120, writers=writers)

    # Only requests in flight on the killed worker may fail, and only as a broken connection.
    assert result.in_flight_errors <= writers
    assert result.late_errors == 0
    assert set(result.statuses) == {200}
    assert result.served_after_kill > 0
    assert result.replacement is not None and result.replacement_served
    assert result.integrity.startswith("ok"), result.integrity
    # Every 200 stored once; a row without a 200 only for a request whose connection broke.
    assert result.verdict.problems == []
    assert result.verdict.unanswered_rows <= result.in_flight_errors


def test_a_read_only_database_gives_a_clear_503_and_the_home_page_still_answers(database_url):
    result = read_only(database_url)

    assert result.home_status == 200
    assert [outcome.kind for outcome in result.refused] == ["text", "session"]
    for outcome in result.refused:
        assert refusal_problems(outcome) == [], outcome.raw
    assert result.log_lines, "the server should log the database error it answered 503 for"


@pytest.mark.real_models
def test_a_full_disk_is_a_503_not_a_traceback(app, client, monkeypatch):
    # The real thing (SQLite on a filled tmpfs) is in benchmarks/faults.py: mounting needs root.
    # Here the same exception SQLite raises then, as SQLAlchemy wraps it.
    from library.history import HistoryStore

    def full_disk(*_args, **_kwargs):
        raise sqlalchemy.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(HistoryStore, "add", full_disk)
    api = client.post("/api/v1/text", data={"text": ESSAY})
    answer = Outcome("text", api.status_code, 0.0, 0.0, body=api.get_json(silent=True), raw=api.get_data(),
                     headers={k.lower(): v for k, v in api.headers.items()})
    assert refusal_problems(answer) == []

    page = client.post("/text/", data={"text": ESSAY})  # the form: an error page, not a JSON error
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert "Traceback" not in page.get_data(as_text=True)


def test_debug_is_refused_without_dev(tmp_path):
    env = {**os.environ, "ESAPR_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}"}
    command = [sys.executable, str(ROOT / "main.py"), "serve", "--debug", "--port", str(free_port())]
    # Its own process group: should it start a server after all, the whole group is stopped.
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.returncode == 2
    assert "--dev" in stderr


def test_the_master_creates_the_tables_before_any_worker_starts(tmp_path, monkeypatch):
    # Workers that each found an empty database raced to create the tables; a loser failed to boot
    # and gunicorn then halted the whole server (3 starts in 13 with 8 workers, measured here).
    from sqlalchemy import create_engine, inspect

    from web.platform.serve import ProductionServer, run_production

    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    found = {}

    def fork_workers(_server):  # where gunicorn would fork: look at the database instead
        engine = create_engine(url)
        found["tables"] = set(inspect(engine).get_table_names())
        engine.dispose()

    monkeypatch.setattr(ProductionServer, "run", fork_workers)
    run_production(lambda: make_test_app(tmp_path, {}, DATABASE_URL=url), "127.0.0.1", free_port(), 2)
    assert {"analyses", "live_sessions", "live_samples", "settings"} <= found["tables"]


def test_the_production_app_never_runs_in_debug_mode(tmp_path, shared_loaders, monkeypatch):
    from web.platform.serve import ProductionServer, options

    monkeypatch.setenv("FLASK_DEBUG", "1")
    plain = make_test_app(tmp_path, shared_loaders)
    assert plain.debug  # what FLASK_DEBUG does to an app left alone
    plain.extensions["esapr_store"].close()

    server = ProductionServer(lambda: make_test_app(tmp_path, shared_loaders), options("127.0.0.1", free_port(), 1))
    app = server.load()
    try:
        assert app.debug is False
    finally:
        app.extensions["esapr_store"].close()
