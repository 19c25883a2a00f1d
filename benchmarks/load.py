"""Load on the production server: concurrent clients on the text, frame and audio endpoints; prints figures.

    .venv/bin/python benchmarks/load.py [--requests 320] [--clients 16] [--workers 2] [--database sqlite|URL]

Starts ``python main.py serve`` (benchmarks/serving.py) on 127.0.0.1 over a fresh SQLite file
(``sqlite``) or the database URL given, waits for the background model warm-up, then warms every
worker on every endpoint for certain (one request each, found by which worker holds the
connection; excluded from the figures). Then ``--clients`` threads, each on its own keep-alive
connection, send ``--requests`` requests per endpoint between them, in a shuffled mix:

- ``POST /api/v1/text``: a real essay with a marker word unique to the request (it becomes the
  stored analysis's top word, so the row can be matched to the request that made it);
- ``POST /api/v1/video/frame``: a JPEG with a face, inside the client's capture session
  (``POST /api/v1/video/session`` before, ``.../finish`` after: both timed and listed too);
- ``POST /api/v1/audio``: a spoken answer made once with espeak-ng (tests/speech.py).

Prints per endpoint: requests, throughput (completed per second of the whole mixed run), p50,
p99 and max latency, status counts, 5xx. Then checks the database directly
(library.history.HistoryStore over the same URL): every 200 text/audio answer and every finished
session is stored exactly once and as answered, the session holds the frames that were accepted,
and no row exists that no client got a 200 for. Exit status 1 on any 5xx, other failure or mismatch.
No targets asserted here: the figures go into the report (docs/decisions.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import string
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from benchmarks.serving import Server, cpu_seconds  # noqa: E402
from library.results import api_form  # noqa: E402

KINDS = ("text", "frame", "audio")  # the analysis endpoints; "session" and "finish" frame the frames
PATHS = {"text": "/api/v1/text", "frame": "/api/v1/video/frame", "audio": "/api/v1/audio",
         "session": "/api/v1/video/session", "finish": "/api/v1/video/session/{session}/finish"}
FRAME_INTERVAL_S = 0.2  # the browser sends 5 frames a second
REQUEST_TIMEOUT_S = 120
# gunicorn closes a keep-alive connection idle for 5 s (web/platform/serve.py): a client reconnects well before that rather
# than race the server's close (a request lost to that race would look like a server failure).
STALE_CONNECTION_S = 1.0


# -- what is sent ------------------------------------------------------------------------------

def marker_word(number: int) -> str:
    """A word unique to one request, letters only (the tokenizer splits digits off): 'qz' + base 26."""
    letters = ""
    for _ in range(6):
        number, digit = divmod(number, 26)
        letters = string.ascii_lowercase[digit] + letters
    return "qz" + letters


class Payloads:
    """The bodies, each made once when first used: an essay to mark, a few face frames, a spoken answer."""

    def __init__(self, frame_count: int = 5, speech_repeat: int = 1):
        from sample_texts import ESSAY

        self.essay = ESSAY
        self._frame_count = frame_count
        self._speech_repeat = speech_repeat

    @cached_property
    def frames(self) -> list[bytes]:
        from media import interview_frame, jpeg_bytes

        # The head moves a little from frame to frame, as in a webcam capture.
        return [jpeg_bytes(interview_frame(dx)) for dx in range(0, 4 * self._frame_count, 4)]

    @cached_property
    def wav(self) -> bytes:
        from speech import spoken_wav  # skips (pytest) or stops (a script) without espeak-ng

        with tempfile.TemporaryDirectory(prefix="esapr-speech-") as folder:
            return spoken_wav(Path(folder) / "answer.wav", repeat=self._speech_repeat).read_bytes()

    def prepare(self, kinds: tuple[str, ...]) -> None:
        """Make what ``kinds`` need now, before client threads start timing."""
        if "frame" in kinds:
            _ = self.frames
        if "audio" in kinds:
            _ = self.wav

    def text_with(self, marker: str) -> str:
        # Three times: more than any word of the essay, so the marker is the stored top word.
        return f"{self.essay} {marker} {marker} {marker}"


# -- one client ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """One request as the client saw it. ``status`` None: no answer (connection error)."""

    kind: str
    status: int | None
    started: float  # time.monotonic()
    seconds: float
    body: Any = None
    raw: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    marker: str | None = None
    session: str | None = None
    worker: int | None = None  # the worker that held the connection, when known
    token: str | None = None  # the client's private token when it sent the request (its sessions are its own)


class Client:
    """One HTTP/1.1 connection at a time to the server (keep-alive, or a new one per request).

    One person: it keeps the private token the first answer gives (``X-ESAPR-Token``) and sends it back,
    as the API asks, so that its capture sessions stay its own (a session answers only its owner).
    """

    def __init__(self, server: Server, *, keep_alive: bool = True, timeout_s: float = REQUEST_TIMEOUT_S):
        self.server = server
        self.keep_alive = keep_alive
        self.timeout_s = timeout_s
        self._conn: http.client.HTTPConnection | None = None
        self._conn_worker: int | None = None
        self._last_used = 0.0
        self.token: str | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn, self._conn_worker = None, None

    def post(self, kind: str, path: str, body: bytes = b"", content_type: str | None = None,
             **details: Any) -> Outcome:
        if self._conn is not None and time.monotonic() - self._last_used > STALE_CONNECTION_S:
            self.close()
        fresh = self._conn is None
        if fresh:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=self.timeout_s)
        headers = {"Content-Length": str(len(body))}
        if content_type:
            headers["Content-Type"] = content_type
        if not self.keep_alive:
            headers["Connection"] = "close"
        if self.token:
            headers["X-ESAPR-Token"] = self.token
        started = time.monotonic()
        try:
            self._conn.request("POST", path, body=body, headers=headers)
            response = self._conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            seconds = time.monotonic() - started
            self.close()
            return Outcome(kind, None, started, seconds, error=f"{type(exc).__name__}: {exc}", token=self.token,
                           **details)
        seconds = time.monotonic() - started
        self._last_used = time.monotonic()
        sent_with, self.token = self.token, self.token or response.getheader("X-ESAPR-Token")
        if fresh and self.keep_alive and not response.will_close:
            self._conn_worker = self.server.worker_serving(self._conn.sock.getsockname()[1])
        worker = self._conn_worker
        if response.will_close or not self.keep_alive:
            self.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Outcome(kind, response.status, started, seconds, body=parsed, raw=raw,
                       headers={k.lower(): v for k, v in response.getheaders()}, worker=worker,
                       token=sent_with or self.token, **details)

    # The endpoints.

    def text(self, payloads: Payloads, marker: str) -> Outcome:
        body = urlencode({"text": payloads.text_with(marker)}).encode()
        return self.post("text", PATHS["text"], body, "application/x-www-form-urlencoded", marker=marker)

    def audio(self, payloads: Payloads) -> Outcome:
        from urllib3 import encode_multipart_formdata

        body, content_type = encode_multipart_formdata({"audio": ("answer.wav", payloads.wav, "audio/wav")})
        return self.post("audio", PATHS["audio"], body, content_type)

    def start_session(self) -> Outcome:
        outcome = self.post("session", PATHS["session"])
        outcome.session = (outcome.body or {}).get("session") if outcome.status == 200 else None
        return outcome

    def frame(self, payloads: Payloads, session: str, index: int, after: int | None = None) -> Outcome:
        # As the live page sends it: the JPEG as the body, the session, the time and the count the previous answer
        # gave in the query.
        jpeg = payloads.frames[index % len(payloads.frames)]
        query = urlencode({"session": session, "t": f"{index * FRAME_INTERVAL_S:.1f}",
                           **({"after": after} if after is not None else {})})
        return self.post("frame", f"{PATHS['frame']}?{query}", jpeg, "image/jpeg", session=session)

    def finish(self, session: str) -> Outcome:
        return self.post("finish", PATHS["finish"].format(session=session), session=session)


# -- many clients --------------------------------------------------------------------------------

class Markers:
    """Hands out request markers unique across every client of a run (thread-safe)."""

    def __init__(self, start: int = 0):
        self._next = start
        self._lock = threading.Lock()

    def take(self) -> str:
        with self._lock:
            number, self._next = self._next, self._next + 1
        return marker_word(number)


def client_plan(counts: dict[str, int], seed: int) -> list[str]:
    """One client's requests in a shuffled order (frames are then sent within its session)."""
    plan = [kind for kind, n in counts.items() for _ in range(n)]
    random.Random(seed).shuffle(plan)
    return plan


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def run_client(client: Client, payloads: Payloads, plan: list[str], markers: Markers,
               deadline: float) -> list[Outcome]:
    """Send ``plan``: a capture session around the frames, if any; stops at ``deadline``."""
    outcomes: list[Outcome] = []
    session = None
    if "frame" in plan:
        start = client.start_session()
        outcomes.append(start)
        session = start.session
    frames_sent, counted = 0, 0
    for kind in plan:
        if time.monotonic() > deadline:
            break
        if kind == "text":
            outcomes.append(client.text(payloads, markers.take()))
        elif kind == "audio":
            outcomes.append(client.audio(payloads))
        elif kind == "frame" and session:
            outcome = client.frame(payloads, session, frames_sent, after=counted)
            outcomes.append(outcome)
            frames_sent += 1
            if outcome.status == 200 and isinstance(outcome.body, dict):
                counted = outcome.body.get("frames_in_session", counted)
    if session:
        outcomes.append(client.finish(session))
    client.close()
    return outcomes


def run_load(server: Server, payloads: Payloads, *, requests_per_kind: int, clients: int, markers: Markers,
             kinds: tuple[str, ...] = KINDS, seed: int = 6, time_limit_s: float = 1800) -> tuple[list[Outcome], float]:
    """``clients`` threads send ``requests_per_kind`` of each kind between them; (outcomes, wall seconds)."""
    payloads.prepare(kinds)
    shares = {kind: split(requests_per_kind, clients) for kind in kinds}
    plans = [client_plan({kind: shares[kind][i] for kind in kinds}, seed + i) for i in range(clients)]
    results: list[list[Outcome]] = [[] for _ in range(clients)]
    deadline = time.monotonic() + time_limit_s
    barrier = threading.Barrier(clients)

    def work(i: int) -> None:
        barrier.wait(timeout=60)
        results[i] = run_client(Client(server), payloads, plans[i], markers, deadline)

    threads = [threading.Thread(target=work, args=(i,), name=f"client-{i}") for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=time_limit_s + 60)
    wall = time.monotonic() - started
    return [outcome for result in results for outcome in result], wall


def warm_up(server: Server, payloads: Payloads, markers: Markers, kinds: tuple[str, ...] = KINDS,
            max_rounds: int = 10, time_limit_s: float = 300) -> tuple[list[Outcome], set[tuple[int, str]]]:
    """One request per endpoint on each worker, for certain: rounds of concurrent fresh connections
    until every worker was seen answering every kind. Returns (outcomes, (worker, kind) pairs missed)."""
    payloads.prepare(kinds)
    workers = server.wait_for_workers()
    wanted = {(pid, kind) for pid in workers for kind in kinds}
    outcomes: list[Outcome] = []
    deadline = time.monotonic() + time_limit_s
    lock = threading.Lock()

    def one_connection() -> None:
        got = run_client(Client(server), payloads, list(kinds), markers, deadline)
        with lock:
            outcomes.extend(got)
            wanted.difference_update((o.worker, o.kind) for o in got if o.status == 200)

    for _ in range(max_rounds):
        if not wanted or time.monotonic() > deadline:
            break
        threads = [threading.Thread(target=one_connection) for _ in range(2 * len(workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=time_limit_s)
    return outcomes, wanted


# -- figures ---------------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))  # ceil(n * q / 100)
    return sorted_values[int(rank) - 1]


def figures_table(outcomes: list[Outcome], wall_s: float) -> str:
    rows = [f"{'endpoint':<40}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'5xx':>5}  statuses"]
    order = ["text", "frame", "audio", "session", "finish"]
    by_kind = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    for kind in [k for k in order if k in by_kind] + [None]:
        group = outcomes if kind is None else by_kind[kind]
        name = "all" if kind is None else f"POST {PATHS[kind].format(session='<id>')}"
        latencies = sorted(o.seconds * 1000 for o in group)
        statuses = Counter(str(o.status) if o.status else "conn-error" for o in group)
        server_errors = sum(1 for o in group if o.status and o.status >= 500)
        rows.append(f"{name:<40}{len(group):>9}{len(group) / wall_s:>8.1f}{percentile(latencies, 50):>9.0f}"
                    f"{percentile(latencies, 99):>9.0f}{latencies[-1] if latencies else float('nan'):>9.0f}"
                    f"{server_errors:>5}  {dict(sorted(statuses.items()))}")
    return "\n".join(rows)


def per_worker(outcomes: list[Outcome]) -> dict[int | None, int]:
    return dict(Counter(o.worker for o in outcomes))


# -- exactly once ----------------------------------------------------------------------------------

CHANNEL_OF = {"text": "text", "audio": "audio", "finish": "video"}  # requests that store one analysis


def last_seq(url: str) -> int:
    """The highest row number stored so far (rows a run adds come after it)."""
    from sqlalchemy import text

    from library.history import HistoryStore
    from library.stored_kinds import STORED_KINDS

    store = HistoryStore(url, STORED_KINDS)
    try:
        with store.engine.connect() as conn:
            return conn.execute(text("SELECT max(seq) FROM analyses")).scalar() or 0
    finally:
        store.close()


@dataclass
class Verdict:
    problems: list[str]
    stored: dict[str, int]  # channel -> rows the run added
    answered: dict[str, int]  # channel -> 200 answers
    unanswered_rows: int  # rows stored for a request whose client got no answer (allowed up to a limit)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_exactly_once(url: str, outcomes: list[Outcome], *, after_seq: int = 0,
                        unanswered_allowed: int = 0) -> Verdict:
    """Compare what clients were told with what the database holds.

    Every 200 answer that stores an analysis (text, audio, a finished session) must be stored once,
    with the scores that were answered; a finished session must hold exactly the frames accepted
    for it; rows beyond the answered ones may only come from requests that got no answer at all
    (the connection broke, e.g. a killed worker), at most ``unanswered_allowed`` of them, and for
    text the row's marker must be one of those requests'.
    """
    from library.history import HistoryStore, LiveSessions
    from library.stored_kinds import STORED_KINDS
    from library.history.owners import owner_of

    problems: list[str] = []
    answered = {o.body["id"]: o for o in outcomes
                if o.kind in CHANNEL_OF and o.status == 200 and isinstance(o.body, dict) and "id" in o.body}
    duplicates = len([o for o in outcomes if o.kind in CHANNEL_OF and o.status == 200]) - len(answered)
    if duplicates:
        problems.append(f"{duplicates} 200 answers repeat another's id or carry none")
    unanswered_markers = {o.marker for o in outcomes if o.kind == "text" and o.status is None}

    store = HistoryStore(url, STORED_KINDS)
    try:
        rows = [a for channel in set(CHANNEL_OF.values()) for a in store.iter_channel(channel)
                if a.seq > after_seq]

        def sessions(outcome: Outcome) -> LiveSessions:  # a capture session is read as its owner
            return LiveSessions(store.for_owner(owner_of(outcome.token) if outcome.token else None))
        seen = Counter(a.id for a in rows)
        for analysis_id, n in seen.items():
            if n != 1:
                problems.append(f"id {analysis_id} is stored {n} times")
        by_id = {a.id: a for a in rows}
        for analysis_id, outcome in answered.items():
            stored = by_id.get(analysis_id)
            if stored is None:
                problems.append(f"{outcome.kind} {analysis_id} was answered 200 but is not stored")
                continue
            if stored.channel != CHANNEL_OF[outcome.kind]:
                problems.append(f"{analysis_id} is stored as {stored.channel}, answered by {outcome.kind}")
            problems += _content_problems(outcome, stored, outcomes, sessions)
        unanswered = [a for a in rows if a.id not in answered]
        if len(unanswered) > unanswered_allowed:
            problems.append(f"{len(unanswered)} stored rows no client got a 200 for "
                            f"(at most {unanswered_allowed} allowed: requests whose connection broke)")
        for analysis in unanswered:
            if analysis.channel == "text" and _top_word(analysis.scores) not in unanswered_markers:
                problems.append(f"text row {analysis.id} matches no request that went unanswered")
    finally:
        store.close()
    stored_counts = dict(Counter(a.channel for a in rows))
    answered_counts = dict(Counter(CHANNEL_OF[o.kind] for o in answered.values()))
    return Verdict(problems, stored_counts, answered_counts, len(unanswered))


def _top_word(scores: dict) -> str | None:
    words = scores.get("top_words") or []
    return words[0][0] if words else None


def _content_problems(outcome: Outcome, stored, outcomes: list[Outcome], sessions) -> list[str]:
    answered = {k: v for k, v in outcome.body.items() if k != "id"}
    # The answer leaves out Grad-CAM and the models that made the row (results.api_form); the rest must match.
    kept = {k: v for k, v in api_form(stored.scores).items() if k != "gradcam"}
    problems = []
    if kept != answered:
        problems.append(f"{outcome.kind} {stored.id}: stored scores differ from the answer")
    if outcome.kind == "text" and _top_word(stored.scores) != outcome.marker:
        problems.append(f"text {stored.id}: top word {_top_word(stored.scores)!r}, sent marker {outcome.marker!r}")
    if outcome.kind == "finish":
        accepted = sum(1 for o in outcomes if o.kind == "frame" and o.session == outcome.session and o.status == 200)
        if stored.scores.get("frames_analysed") != accepted:
            problems.append(f"session {outcome.session}: {stored.scores.get('frames_analysed')} frames stored, "
                            f"{accepted} accepted")
        status = sessions(outcome).status(outcome.session)
        if status is None or status["analysis_id"] != stored.id or status["samples"] != 0:
            problems.append(f"session {outcome.session} is not closed on its analysis: {status}")
    return problems


def failures(outcomes: list[Outcome]) -> list[str]:
    """Anything but a 200: 5xx, other statuses, broken connections (one line per kind of failure)."""
    counted = Counter((o.kind, o.status, (o.error or "").split(":")[0]) for o in outcomes if o.status != 200)
    return [f"{n} x {kind}: {status or error}" for (kind, status, error), n in sorted(counted.items(), key=str)]


# -- the script ------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=320, help="requests per endpoint (text, frame, audio)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, help="threads per worker (default: the server's)")
    parser.add_argument("--database", default="sqlite", help="'sqlite' (a fresh temporary file) or a SQLAlchemy URL")
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="endpoints to load, comma-separated (e.g. 'frame': the live path alone)")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    if not kinds or set(kinds) - set(KINDS):
        parser.error(f"--kinds takes some of {', '.join(KINDS)}")

    with tempfile.TemporaryDirectory(prefix="esapr-load-") as folder:
        url = f"sqlite:///{folder}/history.sqlite3" if args.database == "sqlite" else args.database
        payloads = Payloads()
        after_seq = last_seq(url)
        markers = Markers()
        server = Server(url, workers=args.workers, threads=args.threads)
        try:
            server.start()
            print(f"server: {args.workers} workers over {url.split('://')[0]}, {args.clients} clients, "
                  f"{args.requests} requests per endpoint ({', '.join(kinds)})")
            if not server.wait_until_idle():
                print("note: the workers were still busy loading models after 180 s")
            warm, missed = warm_up(server, payloads, markers, kinds)
            print(f"warm-up: {len(warm)} requests (excluded from the figures)"
                  + (f"; NOT warmed: {sorted(missed)}" if missed else "; every worker answered every endpoint"))
            workers = server.worker_pids()
            cpu_before = {pid: cpu_seconds(pid) for pid in workers}
            outcomes, wall = run_load(server, payloads, requests_per_kind=args.requests, clients=args.clients,
                                      markers=markers, kinds=kinds)
            cpu_used = {pid: round(cpu_seconds(pid) - cpu_before[pid], 1) for pid in workers}
            print(f"\nmixed run: {wall:.1f} s wall\n{figures_table(outcomes, wall)}")
            print(f"requests per worker (by the connection that carried them): {per_worker(outcomes)}")
            print(f"CPU seconds per worker during the run: {cpu_used}")
            verdict = verify_exactly_once(url, warm + outcomes, after_seq=after_seq)
        finally:
            server.stop()
    failed = failures(warm + outcomes)
    print(f"\nstored rows added: {verdict.stored}; 200 answers that store one: {verdict.answered}")
    print(f"exactly once: {'PASS' if verdict.ok else 'FAIL'}")
    for line in verdict.problems[:20] + failed:
        print(f"  - {line}")
    print(f"zero 5xx and no failed request: {'PASS' if not failed else 'FAIL'}")
    return 0 if verdict.ok and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
