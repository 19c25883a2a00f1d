"""Faults on the production server; prints what happened, exits 1 when an invariant broke.

    .venv/bin/python benchmarks/faults.py [--database sqlite|URL] [--writes 400] [--writers 8]

1. A worker killed (SIGKILL) in the middle of a stream of concurrent writes (text analyses from
   ``--writers`` threads, a new connection per request so that a broken one names its request):
   only requests in flight on that worker may fail, and only with a broken connection; every
   request begun after it died is answered 200; gunicorn starts a replacement that serves; the
   database is intact (SQLite: PRAGMA integrity_check) and every 200 is stored exactly once.
   The slowest writes are the ones the replacement accepts before its model has loaded (a worker
   takes connections as soon as it boots; models load after), hence the printed latencies.
2. A read-only database: SQLite opened with ``mode=ro`` (as root, chmod would not stop writes), or
   PostgreSQL with ``default_transaction_read_only`` on for the server's connections. An analysis
   POST answers 503 with a JSON error and Retry-After, no traceback; the home page still answers.
3. A full disk (SQLite only): the database on a small tmpfs filled to the last page while the
   server runs. The same 503; once space is freed, the next write succeeds without a restart.
   Mounting needs privileges (root with CAP_SYS_ADMIN): without them it is reported as skipped.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load import (Client, Markers, Outcome, Payloads, Verdict, last_seq, percentile,  # noqa: E402
                             verify_exactly_once, warm_up)
from benchmarks.serving import Server, ServerFailed  # noqa: E402


def prepared_database(url: str) -> None:
    """Tables and the shared secret key in place, as a first start leaves them: a server over a
    read-only database can then start (reading both) and only its writes are refused."""
    from library.history import HistoryStore
    from library.stored_kinds import STORED_KINDS

    store = HistoryStore(url, STORED_KINDS)
    try:
        store.shared_setting("secret_key", lambda: secrets.token_hex(32))
    finally:
        store.close()


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///").removeprefix("file:").split("?")[0])


def integrity(url: str) -> str:
    """SQLite's own check of every page and index ('ok'); PostgreSQL: every row read back."""
    path = sqlite_path(url)
    if path is not None:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:  # closed, not just committed
            return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    from library.history import HistoryStore
    from library.stored_kinds import KINDS, STORED_KINDS

    store = HistoryStore(url, STORED_KINDS)
    try:
        rows = sum(1 for channel in KINDS for _ in store.iter_channel(channel))
    finally:
        store.close()
    return f"ok ({rows} rows read back)"


def read_only_url(url: str) -> str:
    """The same database, refusing writes: SQLite opened read-only, PostgreSQL sessions in
    read-only transactions. For PostgreSQL this is a connection option rather than ALTER DATABASE:
    the same refusal, but only for this server's sessions, so a shared test database is not
    left read-only for anyone else when a run is cut short."""
    path = sqlite_path(url)
    if path is not None:
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    options = f"{parsed.query.get('options', '')} -c default_transaction_read_only=on".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


# -- 1. a worker killed mid-writes ---------------------------------------------------------------

@dataclass
class KillResult:
    victim: int
    replacement: int | None
    replacement_served: bool
    outcomes: list[Outcome]
    in_flight_errors: int  # broken connections of requests begun before the victim was dead
    late_errors: int  # broken connections of requests begun after it: must be none
    statuses: Counter  # every answer's status: must all be 200
    served_after_kill: int  # 200s for requests begun after the victim was dead
    integrity: str
    verdict: Verdict
    writers: int
    wall_s: float

    def problems(self) -> list[str]:
        found = []
        if self.in_flight_errors > self.writers:
            found.append(f"{self.in_flight_errors} broken requests, more than the {self.writers} that can be in flight")
        if self.late_errors:
            found.append(f"{self.late_errors} requests begun after the worker died got no answer")
        if set(self.statuses) - {200}:
            found.append(f"answers other than 200: {dict(self.statuses)}")
        if not self.served_after_kill:
            found.append("no request begun after the kill was answered")
        if self.replacement is None or not self.replacement_served:
            found.append(f"no replacement worker served (replacement: {self.replacement})")
        if not self.integrity.startswith("ok"):
            found.append(f"integrity check: {self.integrity}")
        return found + self.verdict.problems


def _dead(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2] in "ZX"


def kill_worker_mid_writes(url: str, *, writes: int = 400, writers: int = 8, workers: int = 2,
                           time_limit_s: float = 300) -> KillResult:
    """SIGKILL one worker once a third of ``writes`` text analyses are done, from ``writers`` threads."""
    payloads = Payloads()
    markers = Markers()
    after_seq = last_seq(url)
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit_s
    sent = [0]

    def write() -> None:
        client = Client(server, keep_alive=False)  # one connection per request: a broken one names its request
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= writes:
                    return
                sent[0] += 1
            outcome = client.text(payloads, markers.take())
            with lock:
                outcomes.append(outcome)

    with Server(url, workers=workers, warm_models=False) as server:
        warm, _ = warm_up(server, payloads, markers, kinds=("text",))
        started = time.monotonic()
        threads = [threading.Thread(target=write, name=f"writer-{i}") for i in range(writers)]
        for thread in threads:
            thread.start()
        while time.monotonic() < deadline and len(outcomes) < writes // 3:
            time.sleep(0.005)
        before = set(server.worker_pids())
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        while not _dead(victim) and time.monotonic() < deadline:
            time.sleep(0.001)
        dead_at = time.monotonic()
        try:
            replacement = server.wait_for_workers(count=1, without=before, timeout_s=60)[0]
        except ServerFailed:
            replacement = None
        for thread in threads:
            thread.join(timeout=time_limit_s)
        wall = time.monotonic() - started
        # The replacement takes requests too: warm_up insists every current worker answer one.
        after, _ = warm_up(server, payloads, markers, kinds=("text",))
        replacement_served = replacement is not None and replacement in {o.worker for o in after if o.status == 200}
        everything = warm + outcomes + after
        broken = [o for o in outcomes if o.status is None]
        verdict = verify_exactly_once(url, everything, after_seq=after_seq,
                                      unanswered_allowed=sum(1 for o in broken if o.started < dead_at))
        checked = integrity(url)
    return KillResult(
        victim=victim, replacement=replacement, replacement_served=replacement_served, outcomes=outcomes,
        in_flight_errors=sum(1 for o in broken if o.started < dead_at),
        late_errors=sum(1 for o in broken if o.started >= dead_at),
        statuses=Counter(o.status for o in everything if o.status is not None),
        served_after_kill=sum(1 for o in outcomes if o.status == 200 and o.started >= dead_at),
        integrity=checked, verdict=verdict, writers=writers, wall_s=wall)


# -- 2. and 3. writes the database refuses -----------------------------------------------------------

@dataclass
class RefusedWrites:
    label: str
    home_status: int | None
    refused: list[Outcome]  # analysis POSTs while the database refuses writes
    log_lines: list[str]  # the server's "database error" lines
    recovered: Outcome | None = None  # a write once the cause is gone, when the scenario can remove it
    integrity: str = ""
    notes: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = [] if self.home_status == 200 else [f"GET / answered {self.home_status}, not 200"]
        for outcome in self.refused:
            found += [f"{outcome.kind}: {problem}" for problem in refusal_problems(outcome)]
        if not self.log_lines:
            found.append("the server logged no database error")
        if self.recovered is not None and self.recovered.status != 200:
            found.append(f"after the cause was removed a write answered {self.recovered.status}")
        if self.integrity and not self.integrity.startswith("ok"):
            found.append(f"integrity check: {self.integrity}")
        return found


def refusal_problems(outcome: Outcome) -> list[str]:
    """What is wrong with an answer that should be a clear 503 (empty when it is one)."""
    found = []
    if outcome.status != 503:
        found.append(f"status {outcome.status}, not 503")
    if not (isinstance(outcome.body, dict) and isinstance(outcome.body.get("error"), str)):
        found.append(f"body is not a JSON error: {outcome.raw[:200]!r}")
    if not outcome.headers.get("content-type", "").startswith("application/json"):
        found.append(f"content type {outcome.headers.get('content-type')!r}")
    if not outcome.headers.get("retry-after", "").isdigit():
        found.append(f"Retry-After {outcome.headers.get('retry-after')!r}")
    if b"Traceback" in outcome.raw or b'File "' in outcome.raw:
        found.append("the body holds a traceback")
    return found


def _database_errors(server: Server) -> list[str]:
    return [line for line in server.log_text().splitlines() if "database error on" in line]


def read_only(url: str) -> RefusedWrites:
    """A server over a database that refuses writes: analyses 503, the home page 200."""
    prepared_database(url)
    payloads = Payloads()
    with Server(read_only_url(url), workers=1, warm_models=False) as server:
        home = server.home_status()
        client = Client(server)
        refused = [client.text(payloads, Markers().take()), client.start_session()]
        client.close()
        logged = _database_errors(server)
    label = "SQLite opened read-only" if sqlite_path(url) else "PostgreSQL, read-only transactions"
    return RefusedWrites(label, home, refused, logged)


def full_disk(folder: Path, size_kb: int = 2048) -> RefusedWrites | None:
    """SQLite on a small tmpfs filled while the server runs; None when mounting is not permitted."""
    mount_point = folder / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=700", "esapr-full-disk",
                              str(mount_point)], capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        return None
    try:
        url = f"sqlite:///{mount_point / 'history.sqlite3'}"
        prepared_database(url)
        payloads = Payloads()
        markers = Markers()
        with Server(url, workers=1, warm_models=False) as server:
            client = Client(server)
            before = client.text(payloads, markers.take())  # loads the model; there is room still
            filler = mount_point / "filler"
            fill(filler)
            home = server.home_status()
            refused = [client.text(payloads, markers.take()), client.start_session()]
            filler.unlink()
            recovered = client.text(payloads, markers.take())
            client.close()
            logged = _database_errors(server)
            verdict = verify_exactly_once(url, [before, *refused, recovered])
        notes = [] if before.status == 200 else [f"the write before filling answered {before.status}"]
        result = RefusedWrites("SQLite on a full disk (tmpfs)", home, refused, logged, recovered,
                               integrity(url), notes + verdict.problems)
    finally:
        unmounted = subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=30)
        if unmounted.returncode != 0:  # something still holds a file there: detach it all the same
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=30)
    return result


def fill(path: Path) -> int:
    """Write zeros until the file system has no page left; returns the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 16, 1 << 12):
            block = bytes(chunk)
            try:
                while written < 1 << 34:  # a bound, far above the small disk's size
                    written += out.write(block)
            except OSError:
                continue  # no room for this size: go on with smaller blocks
    return written


# -- the script ----------------------------------------------------------------------------------------

def print_kill(result: KillResult, database: str) -> None:
    answered = sum(1 for o in result.outcomes if o.status == 200)
    print(f"\n[1] SIGKILL to worker {result.victim} during {len(result.outcomes)} text analyses from "
          f"{result.writers} threads ({database}, {result.wall_s:.1f} s)")
    print(f"    answered 200: {answered}; broken connections in flight on the killed worker: "
          f"{result.in_flight_errors}; broken after it died: {result.late_errors}")
    print(f"    200s for requests begun after the kill: {result.served_after_kill}; answer statuses: "
          f"{dict(result.statuses)}")
    latencies = sorted(o.seconds * 1000 for o in result.outcomes if o.status == 200)
    print(f"    latency of the 200s: p50 {percentile(latencies, 50):.0f} ms, p99 {percentile(latencies, 99):.0f} ms, "
          f"max {latencies[-1] if latencies else float('nan'):.0f} ms")
    print(f"    replacement worker: {result.replacement} (served a request: {result.replacement_served})")
    print(f"    integrity: {result.integrity}; stored rows added: {result.verdict.stored}, of which "
          f"{result.verdict.unanswered_rows} for requests whose connection broke")


def print_refused(number: str, result: RefusedWrites) -> None:
    print(f"\n[{number}] {result.label}: GET / -> {result.home_status}")
    for outcome in result.refused:
        print(f"    POST {outcome.kind}: {outcome.status}, Retry-After {outcome.headers.get('retry-after')}, "
              f"{outcome.raw.decode(errors='replace').strip()}")
    if result.recovered is not None:
        print(f"    space freed, POST text: {result.recovered.status}; integrity: {result.integrity}")
    for line in result.log_lines[:2]:
        print(f"    log: {line.strip()[:200]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="'sqlite' (a fresh temporary file) or a SQLAlchemy URL")
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    verdicts: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="esapr-faults-") as folder:
        folder = Path(folder)
        database = "SQLite" if args.database == "sqlite" else "PostgreSQL"

        def url(name: str) -> str:
            return f"sqlite:///{folder / name}" if args.database == "sqlite" else args.database

        kill = kill_worker_mid_writes(url("kill.sqlite3"), writes=args.writes, writers=args.writers,
                                      workers=args.workers)
        print_kill(kill, database)
        verdicts["worker killed mid-writes"] = kill.problems()

        refused = read_only(url("read-only.sqlite3"))
        print_refused("2", refused)
        verdicts[refused.label] = refused.problems()

        disk = full_disk(folder)
        if disk is None:
            print("\n[3] full disk: skipped (mounting a small tmpfs needs root with CAP_SYS_ADMIN)")
        else:
            print_refused("3", disk)
            verdicts[disk.label] = disk.problems()

    print("\nsummary:")
    for name, problems in verdicts.items():
        print(f"  {'PASS' if not problems else 'FAIL'}  {name}")
        for problem in problems[:10]:
            print(f"        - {problem}")
    return 0 if not any(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
