"""Security and privacy v2 (#15): the attacks of findings 1, 3, 6, 7, 8, 10 and 12, against a served app.

    .venv/bin/python benchmarks/attacks_privacy.py [--rows 5000] [--concurrent 8]

Starts ``python main.py serve`` (gunicorn, 2 workers; benchmarks/serving.py) on 127.0.0.1 over a fresh
SQLite database, plays a victim and an attacker over plain HTTP, and prints what the attacker got. Run it
on an older checkout for the "before" figures: it only speaks HTTP and writes seed rows through the
tables every version has. Every loop is bounded; nothing leaves the loopback interface.

1. Everyone's results: ids in the public CSVs, a victim's words in the public aggregates, and the
   victim's result pages opened with no cookie.
3. Interview session fixation: the victim opens the attacker's interview link; is it adopted?
6. Idempotency-Key: two cookie clients on one address with one key; the same key with another body;
   a retry after the result was deleted.
7. Secrets in logs: private tokens and session ids in the access log; Cache-Control on private pages.
8. A foreign Host header (DNS rebinding).
10. The newest dashboard at 100 and ``--rows`` earlier text rows, alone and ``--concurrent`` at once,
    and GET / meanwhile; the workers' memory.
12. Rate limits: addresses of one IPv6 /64 (sent as X-Forwarded-For through one trusted proxy hop),
    and the HTML interview start once the analysis budget is spent.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.serving import Server, rss_mb  # noqa: E402
from sample_texts import ESSAY, GLOOMY  # noqa: E402

TOKEN_HEADER = "X-ESAPR-Token"
HEX_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
MARKER = "zanzibarquokka"  # a rare word only the victim writes
VICTIM_TEXT = " ".join([ESSAY] + [MARKER] * 12)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # hand 3xx back as they are: where they point is what is measured


class Browser:
    """A client with its own cookie jar, like one browser (or, without cookies, one program)."""

    def __init__(self, server: Server, headers: dict[str, str] | None = None):
        self.server = server
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.headers = headers or {}

    def request(self, method: str, path: str, data: dict | bytes | None = None, headers: dict | None = None,
                timeout: float = 120) -> tuple[int, Message, str]:
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        request = urllib.request.Request(self.server.url(path), data=body, method=method,
                                         headers={**self.headers, **(headers or {})})
        if isinstance(data, dict):
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return answer.status, answer.headers, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, data=None, **kw):
        return self.request("POST", path, data=data if data is not None else b"", **kw)

    def form_post(self, page: str, path: str, data: dict) -> tuple[int, Message, str]:
        """A form post as the page makes it: with the CSRF token the page carries."""
        _, _, html = self.get(page)
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        return self.post(path, {**data, **({"csrf_token": found.group(1)} if found else {})})


def _json(text: str) -> dict:
    try:
        return json.loads(text)
    except ValueError:
        return {}


def _line(finding: str, what: str, value) -> None:
    print(f"  [{finding:>2}] {what:<68} {value}")


# --- 1 and 3 ------------------------------------------------------------------------------------

def everyone_public(server: Server) -> dict:
    victim = Browser(server)
    status, headers, body = victim.post("/api/v1/text", {"text": VICTIM_TEXT})
    victim_id, victim_token = _json(body).get("id"), headers.get(TOKEN_HEADER)
    attacker = Browser(server)
    ids_seen = set()
    for channel in ("text", "video", "audio", "interview"):
        ids_seen |= set(HEX_ID.findall(attacker.get(f"/api/v1/history/{channel}.csv")[2]))
    words = attacker.get("/api/v1/history/text")[2] + attacker.get("/api/v1/history/text.csv")[2]
    opened = attacker.get(f"/text/result/{victim_id}")[0]
    return {"victim_id": victim_id, "victim_token": victim_token, "ids_in_public_csv": len(ids_seen),
            "victim_id_public": victim_id in ids_seen, "victim_words_public": MARKER in words,
            "result_without_cookie": opened, "owner_opens": victim.get(f"/text/result/{victim_id}")[0]}


def fixation(server: Server) -> dict:
    attacker, victim = Browser(server), Browser(server)
    _, headers, _ = attacker.form_post("/interview/", "/interview/", {"consent": "yes"})
    session_id = headers.get("Location", "").rstrip("/").split("/")[-2]
    opened = victim.get(f"/interview/{session_id}/video")[0]
    _, back_headers, _ = victim.get("/interview/")
    adopted = session_id in back_headers.get("Location", "")
    read = attacker.get(f"/api/v1/interview/{session_id}")[0]
    stranger_reads = Browser(server).get(f"/api/v1/interview/{session_id}")[0]
    return {"session_id": session_id, "victim_opens_link": opened, "adopted_into_victim_cookie": adopted,
            "owner_reads_state": read, "stranger_reads_state": stranger_reads}


# --- 6 -------------------------------------------------------------------------------------------

def idempotency(server: Server) -> dict:
    alice, bob = Browser(server), Browser(server)
    key = {"Idempotency-Key": f"k-{uuid.uuid4().hex[:8]}"}
    first = _json(alice.post("/api/v1/text", {"text": ESSAY}, headers=key)[2])
    _, _, body = bob.post("/api/v1/text", {"text": GLOOMY * 2}, headers=key)
    crossed = _json(body).get("id") == first.get("id")
    other_status, other_headers, _ = alice.post("/api/v1/text", {"text": GLOOMY * 2}, headers=key)
    token_value = _token_of(alice)
    alice.request("DELETE", f"/api/v1/me/analyses/{first.get('id')}", headers={TOKEN_HEADER: token_value})
    kept = _json(alice.get("/api/v1/me/export", headers={TOKEN_HEADER: token_value})[2]).get("kept_for_retries", [])
    _, _, after_body = alice.post("/api/v1/text", {"text": ESSAY}, headers=key)
    return {"second_cookie_client_got_first_answer": crossed,
            "other_body_same_key": f"{other_status}{' replayed' if other_headers.get('Idempotent-Replayed') else ''}",
            "kept_answers_after_delete": len(kept),
            "retry_after_delete_replayed_deleted_id": _json(after_body).get("id") == first.get("id")}


def _token_of(browser: Browser) -> str:
    status, headers, _ = browser.get("/my/")
    return headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]


# --- 7 and 8 -------------------------------------------------------------------------------------

def logs_and_caching(server: Server, token: str, session_id: str, victim_id: str) -> dict:
    owner = Browser(server, headers={TOKEN_HEADER: token})
    private = [f"/my/{token}", f"/my/{token}/export.json", f"/text/result/{victim_id}", "/api/v1/me"]
    no_store = sum(1 for path in private if owner.get(path)[1].get("Cache-Control", "") == "no-store")
    time.sleep(1.0)  # the access log is written after each answer
    log = server.log_text()
    return {"token_in_log_lines": sum(1 for line in log.splitlines() if token in line),
            "session_id_in_log_lines": sum(1 for line in log.splitlines() if session_id in line),
            "private_pages_no_store": f"{no_store}/{len(private)}"}


def foreign_host(server: Server) -> dict:
    rebinding = Browser(server, headers={"Host": f"evil.example:{server.port}",
                                         "Origin": f"http://evil.example:{server.port}"})
    return {"GET / with Host evil.example": rebinding.get("/")[0],
            "POST /api/v1/interview with Host+Origin evil.example": rebinding.post("/api/v1/interview")[0]}


# --- 10 ------------------------------------------------------------------------------------------

def seed_text_rows(database_url: str, n: int, seed: int) -> None:
    from sqlalchemy import insert

    from library.history import HistoryStore
    from library.stored_kinds import STORED_KINDS
    from library.history.schema import _AnalysisRow

    rng = random.Random(seed)
    words = ["river", "exam", "mother", "coffee", "tired", "music", "friend", "rain", "work", "sleep"]
    now = datetime.now(timezone.utc)
    rows = [{"public_id": uuid.uuid4().hex, "channel": "text", "created_at": now,
             "owner": f"{rng.getrandbits(256):064x}",
             "scores": {"traits": {t: round(rng.random(), 4) for t in
                                   ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")},
                        "word_count": rng.randint(50, 900),
                        "top_words": [[w, rng.randint(1, 9)] for w in rng.sample(words, 5)]}} for _ in range(n)]
    store = HistoryStore(database_url, STORED_KINDS)
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(_AnalysisRow), rows)
    finally:
        store.close()


def dashboard(server: Server, concurrent: int) -> dict:
    me = Browser(server)
    analysis_id = _json(me.post("/api/v1/text", {"text": ESSAY})[2])["id"]
    path = f"/text/result/{analysis_id}"
    for _ in range(4):  # each worker's first view reads the history once
        me.get(path)
    single = []
    for _ in range(5):
        start = time.perf_counter()
        status = me.get(path)[0]
        single.append(time.perf_counter() - start)
    results, home = [], []

    def view():
        start = time.perf_counter()
        me.get(path)
        results.append(time.perf_counter() - start)

    threads = [threading.Thread(target=view) for _ in range(concurrent)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(0.05)
    home_start = time.perf_counter()
    Browser(server).get("/")
    home.append(time.perf_counter() - home_start)
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    rss = sum(rss_mb(pid) for pid in server.worker_pids())
    return {"status": status, "single_median_s": statistics.median(single), "concurrent_wall_s": wall,
            "home_during_s": home[0], "workers_rss_mb": rss}


# --- 12 ------------------------------------------------------------------------------------------

def rate_limits(folder: Path, per_minute: int) -> dict:
    env = {"ESAPR_RATE_LIMITS": "1", "ESAPR_TRUSTED_PROXIES": "1", "ESAPR_RATE_LIMIT_ANALYSIS": f"{per_minute}/minute"}
    with Server(f"sqlite:///{folder / 'limits.sqlite3'}", workers=2, warm_models=False, env=env) as server:
        accepted = 0
        for i in range(3):  # three addresses of one /64, each trying the whole budget
            client = Browser(server, headers={"X-Forwarded-For": f"2001:db8:15:64::{i + 1}"})
            accepted += sum(1 for _ in range(per_minute) if client.post("/api/v1/interview")[0] == 201)
        spent = Browser(server, headers={"X-Forwarded-For": "198.51.100.15"})
        for _ in range(per_minute):
            spent.post("/api/v1/interview")
        html_start = spent.form_post("/interview/", "/interview/", {"consent": "yes"})[0]
    return {"interview starts accepted from 3 addresses of one /64": f"{accepted} (limit {per_minute})",
            "HTML interview start with the analysis budget spent": html_start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000, help="earlier text rows for the large dashboard")
    parser.add_argument("--concurrent", type=int, default=8, help="dashboards requested at once")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="esapr-attacks-"))
    url = f"sqlite:///{folder / 'history.sqlite3'}"
    print(f"Serving {ROOT} on 127.0.0.1 (gunicorn, 2 workers), SQLite in {folder}")
    with Server(url, workers=2) as server:
        public = everyone_public(server)
        _line("1", "public CSVs: analysis ids an anonymous client reads", public["ids_in_public_csv"])
        _line("1", "the victim's rare word in the public aggregates", public["victim_words_public"])
        _line("1", "victim's result page with no cookie (status)", public["result_without_cookie"])
        _line("1", "victim's result page with their own cookie (status)", public["owner_opens"])
        fixed = fixation(server)
        _line("3", "victim opens the attacker's interview step link (status)", fixed["victim_opens_link"])
        _line("3", "attacker's interview adopted into the victim's cookie", fixed["adopted_into_victim_cookie"])
        _line("3", "a stranger reads the interview's state by id (status)", fixed["stranger_reads_state"])
        for what, value in idempotency(server).items():
            _line("6", what.replace("_", " "), value)
        for what, value in logs_and_caching(server, public["victim_token"], fixed["session_id"],
                                            public["victim_id"]).items():
            _line("7", what.replace("_", " "), value)
        for what, value in foreign_host(server).items():
            _line("8", what, value)
        seed_text_rows(url, 100, seed=1)
        small = dashboard(server, args.concurrent)
        seed_text_rows(url, args.rows - 100, seed=2)
        large = dashboard(server, args.concurrent)
        for label, figures in (("100", small), (f"{args.rows:,}", large)):
            _line("10", f"newest dashboard after {label} rows: median of 5 (s)", f"{figures['single_median_s']:.3f}")
            _line("10", f"  {args.concurrent} at once: all answered after (s)", f"{figures['concurrent_wall_s']:.2f}")
            _line("10", "  GET / meanwhile (s)", f"{figures['home_during_s']:.3f}")
            _line("10", "  workers' RSS (MB)", f"{figures['workers_rss_mb']:.0f}")
    for what, value in rate_limits(folder, per_minute=5).items():
        _line("12", what, value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
