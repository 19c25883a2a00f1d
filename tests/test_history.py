"""The history store: rows survive concurrent writers, ordering, aggregates, CSV export."""

from __future__ import annotations

import csv
import io
import multiprocessing as mp
import threading

import pytest

from library.history import HistoryStore, merge_word_counts, percentile, summarise_traits
from library.history.export import to_csv
from library.stored_kinds import STORED_KINDS, read_result


def _scores(i: int) -> dict:
    return {"traits": {"openness": (i % 100) / 100}, "word_count": 100 + i, "top_words": [["word", i % 7 + 1]]}


def _write_many(url: str, writer: int, n: int) -> None:
    store = HistoryStore(url, STORED_KINDS)
    for i in range(n):
        store.add("text", read_result("text", {**_scores(i), "writer": writer, "i": i}))
    store.close()


@pytest.mark.slow  # many processes at once
def test_concurrent_processes_and_threads_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    HistoryStore(url).close()  # create the schema once, as the app does at start
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(url, w, 60)) for w in range(4)]
    threads = [threading.Thread(target=_write_many, args=(url, 100 + w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    store = HistoryStore(url, STORED_KINDS)
    rows = store.scores("text")
    assert len(rows) == 8 * 60
    assert len({(r["writer"], r["i"]) for r in rows}) == 8 * 60  # every write exactly once
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_concurrent_processes_lose_nothing_on_postgresql(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has its own test above, which also checks the journal and integrity")
    HistoryStore(database_url).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(database_url, w, 60)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    rows = HistoryStore(database_url).scores("text")
    assert len({(r["writer"], r["i"]) for r in rows}) == len(rows) == 4 * 60


def test_order_get_and_earlier_rows(database_url):
    store = HistoryStore(database_url, STORED_KINDS)
    first = store.add("text", read_result("text", _scores(1)))
    second = store.add("text", read_result("text", _scores(2)))
    store.add("audio", read_result("audio", {"dominant": "sad"}))
    assert store.get(second.id).scores["word_count"] == 102
    assert store.get(second.id, channel="audio") is None
    assert store.get("nope") is None
    assert store.scores("text", before_seq=second.seq) == [first.scores]
    assert store.count("text") == 2 and store.count("audio") == 1
    assert len(first.id) == 32 and first.id != second.id
    with pytest.raises(ValueError):
        store.add("smell", {})


def test_percentile_and_summaries():
    assert percentile(0.5, []) is None
    assert percentile(0.5, [0.1, 0.2, 0.9, 1.0]) == 50.0
    assert percentile(0.5, [0.5, 0.5]) == 50.0  # ties count half
    assert percentile(2, [1, 1, 1]) == 100.0
    summary = summarise_traits([{"a": 0.2}, {"a": 0.4}, {"b": 1.0}], ["a", "b", "c"])
    assert summary["a"]["mean"] == pytest.approx(0.3) and summary["a"]["n"] == 2
    assert summary["b"]["n"] == 1 and "c" not in summary
    assert merge_word_counts([[["x", 2], ["y", 1]], [["y", 5]]], top_n=1) == [("y", 6)]


def test_csv_export_flattens_and_defuses_formulas(database_url):
    store = HistoryStore(database_url, STORED_KINDS)
    store.add("text", read_result("text", {"traits": {"openness": 0.7}, "word_count": 80, "top_words": [["=cmd", 3]], "note": "=1+1"}))
    text = "".join(to_csv(store.iter_channel("text")))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["traits.openness"] == "0.7" and rows[0]["word_count"] == "80"
    assert rows[0]["note"] == "'=1+1"
    assert rows[0]["channel"] == "text"


def test_live_session_collects_samples_then_becomes_one_analysis(database_url):
    from library.history import LiveSessions, SessionClosed

    store = HistoryStore(database_url, STORED_KINDS)
    live = LiveSessions(store, max_samples=3)
    session_id = live.start("video")
    assert live.add(session_id, "video", 0.2, {"p": 1}) == 1
    assert live.add(session_id, "video", 0.1, {"p": 0}) == 2
    assert [s.t for s in live.samples(session_id)] == [0.1, 0.2]  # ordered by time, not arrival
    with pytest.raises(SessionClosed):
        live.add(session_id, "audio", 0.3, {})  # wrong channel
    live.add(session_id, "video", 0.3, {})
    with pytest.raises(SessionClosed):
        live.add(session_id, "video", 0.4, {})  # full
    result = read_result("video", {"dominant": "happy"})
    analysis = live.finish(session_id, "video", result)
    assert store.get(analysis.id).scores == result.to_dict()
    assert live.analysis_of(session_id) == analysis.id
    assert live.samples(session_id) == []  # per-frame samples dropped once summarised
    with pytest.raises(SessionClosed):
        live.finish(session_id, "video", read_result("video", {}))  # only once
    with pytest.raises(SessionClosed):
        live.add("unknown", "video", 0.0, {})


def test_live_session_expires(database_url):
    from library.history import LiveSessions, SessionClosed

    live = LiveSessions(HistoryStore(database_url, STORED_KINDS), expiry_s=-1)
    session_id = live.start("video")
    with pytest.raises(SessionClosed, match="expired"):
        live.add(session_id, "video", 0.0, {})


def _open_store_at(url: str, barrier) -> None:
    barrier.wait()  # all processes create the schema at the same moment
    HistoryStore(url).close()


@pytest.mark.slow  # many processes at once
def test_many_processes_creating_the_schema_at_once_all_succeed(database_url):
    """Workers (or machines) starting together on an empty database: none may fail on "already exists"."""
    import os

    from conftest import fresh_postgres

    ctx = mp.get_context("spawn")
    for _ in range(3):  # each round starts from an empty database
        if database_url.startswith("sqlite"):
            path = database_url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
        else:
            fresh_postgres(database_url)
        barrier = ctx.Barrier(4)
        procs = [ctx.Process(target=_open_store_at, args=(database_url, barrier)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        assert [p.exitcode for p in procs] == [0, 0, 0, 0]
