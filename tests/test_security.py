"""Web hardening (#6): CSRF on forms, cross-site refusal, security headers, cookies, rate limits in the
database (shared by workers, on SQLite and PostgreSQL), and no user-controlled path reaching the disk."""

from __future__ import annotations

import http.client
import os
import re
import threading
import uuid

import pytest

from browser import live_server
from conftest import make_test_app
from library.emotions import EMOTIONS
from library.stored_kinds import read_result

TEST_SECRET = "test-only-key-" + "s3cr3t"


def make_app(tmp_path, loaders, **config):
    """An app like conftest's (with a secret the traversal tests look for), the caller's config on top."""
    return make_test_app(tmp_path, loaders, **{"SECRET_KEY": TEST_SECRET, **config})


@pytest.fixture
def apps():
    """Closes every app a test made."""
    made = []
    yield made
    for app in made:
        app.extensions["esapr_store"].close()


@pytest.fixture
def csrf_app(tmp_path, shared_loaders, apps):
    app = make_app(tmp_path, shared_loaders, WTF_CSRF_ENABLED=True)
    apps.append(app)
    return app


def _token(page_html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert found, "the form carries no csrf_token field"
    return found.group(1)


def _video_row(app, token: str) -> str:
    """A stored video analysis of the person holding ``token`` (an interview takes only its owner's answers)."""
    from library.history.owners import owner_of

    probs = {e: 1 / len(EMOTIONS) for e in EMOTIONS}
    scores = {"source": "live", "duration_s": 5.0, "frames_analysed": 10, "frames_with_face": 10,
              "distribution": probs, "dominant": "neutral", "blinks": 1, "blinks_per_minute": 12.0,
              "timeline": [{"t": t / 2, "probabilities": probs} for t in range(10)], "gradcam": None}
    return app.extensions["esapr_store"].for_owner(owner_of(token)).add("video", read_result("video", scores)).id


# --- headers --------------------------------------------------------------------------------------

def _assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"], csp  # no inline script, no eval, no other origin
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    permissions = response.headers["Permissions-Policy"]
    assert "camera=(self)" in permissions and "microphone=(self)" in permissions


@pytest.mark.parametrize("path, kind", [
    ("/", "text/html"), ("/text/", "text/html"), ("/interview/", "text/html"),
    ("/api/v1/openapi.json", "application/json"), ("/api/v1/history/text", "application/json"),
    ("/static/css/style.css", "text/css"), ("/static/js/charts.js", "text/javascript"),
    ("/static/vendor/vega-embed/vega-embed.css", "text/css"),
    ("/no-such-page", "text/html"), ("/api/v1/no-such-route", "application/json"),
])
def test_every_response_has_the_security_headers(client, path, kind):
    response = client.get(path)
    assert response.mimetype == kind
    _assert_security_headers(response)


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/text/", "/video/", "/audio/", "/interview/", "/about"):
        html = client.get(path).get_data(as_text=True)
        for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
            attributes, body = script
            assert "src=" in attributes or 'type="application/json"' in attributes, (path, script)
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers
        assert " style=" not in html and "<style" not in html, path


def test_downloaded_report_is_an_attachment(client, app):
    started = client.post("/api/v1/interview")
    session_id = started.get_json()["session"]
    client.post(f"/api/v1/interview/{session_id}/video",
                data={"analysis_id": _video_row(app, started.headers["X-ESAPR-Token"])})
    client.post(f"/api/v1/interview/{session_id}/audio/skip")
    client.post(f"/api/v1/interview/{session_id}/text/skip")
    report_id = client.post(f"/api/v1/interview/{session_id}/report").get_json()["id"]
    response = client.get(f"/interview/report/{report_id}.html")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")  # saved, never shown by the app
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers


# --- CSRF and cross-site requests -----------------------------------------------------------------

def test_csrf_is_off_by_default_only_under_testing(app, tmp_path, shared_loaders, apps):
    assert app.config["WTF_CSRF_ENABLED"] is False  # conftest's app: the other tests post forms without tokens
    production_like = make_app(tmp_path, shared_loaders, TESTING=False)
    apps.append(production_like)
    assert production_like.config["WTF_CSRF_ENABLED"] is True


def test_form_post_without_token_is_refused_and_with_it_accepted(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/interview/").get_data(as_text=True)
    refused = client.post("/interview/", data={"consent": "yes"})
    assert refused.status_code == 400
    message = refused.get_data(as_text=True)
    assert "could not be accepted" in message and "reload the page" in message
    assert "CSRF" not in message  # the friendly wording, not Flask-WTF's
    _assert_security_headers(refused)

    accepted = client.post("/interview/", data={"consent": "yes", "csrf_token": _token(page)})
    assert accepted.status_code == 303
    assert accepted.headers["Location"].endswith("/video")


def test_meta_token_works_as_a_header_for_scripts(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)
    accepted = client.post("/interview/", data={"consent": "yes"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 303
    assert client.post("/interview/", data={"consent": "yes"}, headers={"X-CSRFToken": "forged"}).status_code == 400


def test_every_html_form_carries_the_token_and_posts_with_it(csrf_app):
    client = csrf_app.test_client()
    start = client.get("/interview/").get_data(as_text=True)
    session_id = client.post("/interview/", data={"consent": "yes", "csrf_token": _token(start)}) \
        .headers["Location"].split("/")[-2]
    step = client.get(f"/interview/{session_id}/video").get_data(as_text=True)
    assert client.post(f"/interview/{session_id}/video/skip").status_code == 400
    skipped = client.post(f"/interview/{session_id}/video/skip", data={"csrf_token": _token(step)})
    assert skipped.status_code == 303 and skipped.headers["Location"].endswith("/audio")

    text_form = client.get("/text/").get_data(as_text=True)
    assert client.post("/text/", data={"text": "too short"}).status_code == 400
    # With the token the form reaches the analyser, which answers on the text itself (too short).
    answered = client.post("/text/", data={"text": "too short", "csrf_token": _token(text_form)})
    assert answered.status_code == 422 and b"at least" in answered.data


def test_json_api_needs_no_token(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/api/v1/interview").status_code == 201
    assert client.post("/api/v1/text", data={"text": "too short"}).status_code == 422


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},  # a sandboxed frame on another site
    {"Origin": "http://localhost:8080"},
    {"Origin": "not an origin"},
])
def test_cross_site_writes_are_refused(csrf_app, headers):
    client = csrf_app.test_client()
    api = client.post("/api/v1/interview", headers=headers)
    assert api.status_code == 403
    assert "other websites" in api.get_json()["error"]
    # A form post from another site is refused even with a good token.
    token = _token(client.get("/interview/").get_data(as_text=True))
    form = client.post("/interview/", data={"consent": "yes", "csrf_token": token}, headers=headers)
    assert form.status_code == 403


@pytest.mark.parametrize("headers", [
    {},  # a program: no browser headers at all
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://LOCALHOST:80"},
    # What Chromium sends with this site's own form posts under Referrer-Policy: no-referrer.
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
])
def test_same_origin_and_programmatic_writes_pass(csrf_app, headers):
    client = csrf_app.test_client()
    assert client.post("/api/v1/interview", headers=headers).status_code == 201


def test_cross_site_reads_are_not_refused(csrf_app):
    client = csrf_app.test_client()
    response = client.get("/api/v1/history/text", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200


def test_behind_a_proxy_the_forwarded_host_and_client_count(tmp_path, shared_loaders, apps):
    app = make_app(tmp_path, shared_loaders, TRUSTED_PROXIES=1, RATE_LIMITS_ENABLED=True,
                   RATE_LIMIT_ANALYSIS="2/minute", ALLOWED_HOSTS=["esapr.example"])
    apps.append(app)
    client = app.test_client()

    def start(client_ip: str, origin: str = "https://esapr.example"):
        return client.post("/api/v1/interview", headers={
            "X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "esapr.example",
            "Origin": origin})

    assert start("198.51.100.7").status_code == 201  # the browser's origin is the public host
    assert start("198.51.100.7", origin="https://evil.example").status_code == 403
    assert start("198.51.100.7").status_code == 201
    assert start("198.51.100.7").status_code == 429  # counted for the forwarded client...
    assert start("198.51.100.8").status_code == 201  # ...not for the proxy's own address


# --- cookies --------------------------------------------------------------------------------------

def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite(client):
    cookie = _session_cookie(client.post("/interview/", data={"consent": "yes"}))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP by default (127.0.0.1); see ESAPR_COOKIE_SECURE


def test_secure_cookie_from_the_environment(tmp_path, shared_loaders, apps, monkeypatch):
    monkeypatch.setenv("ESAPR_COOKIE_SECURE", "1")
    app = make_app(tmp_path, shared_loaders)
    apps.append(app)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    cookie = _session_cookie(app.test_client().post("/interview/", data={"consent": "yes"}))
    assert "Secure" in cookie and "HttpOnly" in cookie


# --- rate limits ----------------------------------------------------------------------------------

def test_rate_limits_are_off_under_testing_and_on_otherwise(app, tmp_path, shared_loaders, apps, monkeypatch):
    assert app.config["RATE_LIMITS_ENABLED"] is False
    production_like = make_app(tmp_path, shared_loaders, TESTING=False)
    apps.append(production_like)
    assert production_like.config["RATE_LIMITS_ENABLED"] is True
    monkeypatch.setenv("ESAPR_RATE_LIMITS", "0")
    switched_off = make_app(tmp_path, shared_loaders, TESTING=False)
    apps.append(switched_off)
    assert switched_off.config["RATE_LIMITS_ENABLED"] is False


def test_bad_limit_in_the_environment_stops_the_start(tmp_path, shared_loaders, monkeypatch):
    monkeypatch.setenv("ESAPR_RATE_LIMIT_API", "lots")
    with pytest.raises(ValueError, match="60/minute"):
        make_app(tmp_path, shared_loaders)


def test_fourth_request_over_three_a_minute_gets_429_with_retry_after(tmp_path, shared_loaders, apps):
    app = make_app(tmp_path, shared_loaders, RATE_LIMITS_ENABLED=True, RATE_LIMIT_API="3/minute")
    apps.append(app)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/openapi.json").status_code == 200
    refused = client.get("/api/v1/openapi.json")
    assert refused.status_code == 429
    assert "Too many API requests" in refused.get_json()["error"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    _assert_security_headers(refused)
    # Another client has its own count; pages are not limited.
    other = app.test_client()
    assert other.get("/api/v1/openapi.json", environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200
    assert client.get("/").status_code == 200


def test_a_database_that_cannot_count_does_not_refuse_reads(tmp_path, shared_loaders, apps, monkeypatch):
    import sqlite3

    import sqlalchemy

    from library.history import RateLimits

    app = make_app(tmp_path, shared_loaders, RATE_LIMITS_ENABLED=True, RATE_LIMIT_API="1/minute")
    apps.append(app)

    def read_only(*_args, **_kwargs):
        raise sqlalchemy.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("attempt to write a readonly database"))

    monkeypatch.setattr(RateLimits, "hit", read_only)
    client = app.test_client()
    assert [client.get("/api/v1/openapi.json").status_code for _ in range(3)] == [200, 200, 200]


def test_groups_have_their_own_limits(tmp_path, shared_loaders, apps):
    app = make_app(tmp_path, shared_loaders, RATE_LIMITS_ENABLED=True, RATE_LIMIT_ANALYSIS="2/minute",
                   RATE_LIMIT_FRAMES="3/minute", RATE_LIMIT_API="100/minute")
    apps.append(app)
    client = app.test_client()
    # Refused analyses count too: the work of reading the request was done.
    assert [client.post("/api/v1/text", data={"text": "short"}).status_code for _ in range(3)] == [422, 422, 429]
    # The HTML form runs the same analyser, so it shares the analysis budget.
    assert client.post("/text/", data={"text": "short"}).status_code == 429
    assert client.post("/api/v1/interview").status_code == 429
    assert [client.post("/api/v1/video/frame").status_code for _ in range(4)] == [400, 400, 400, 429]
    assert client.get("/api/v1/history/text").status_code == 200  # the general API budget is untouched


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each database the counters must work on; PostgreSQL is the server named by ESAPR_TEST_DATABASE_URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    url = os.environ.get("ESAPR_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must test the rate-limit storage on PostgreSQL: set ESAPR_TEST_DATABASE_URL")
        pytest.skip("ESAPR_TEST_DATABASE_URL is unset: no PostgreSQL to test the rate-limit storage on "
                    "(.ci/run sets it; locally export it from `.ci/postgres | tail -1`)")
    return url


@pytest.fixture
def client_ip():
    """A client address no other test run uses, its counters deleted afterwards (PostgreSQL is shared)."""
    ip = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"
    yield ip
    from sqlalchemy import create_engine, delete

    from library.history.rate_limits import _RateLimitRow

    url = os.environ.get("ESAPR_TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(delete(_RateLimitRow).where(_RateLimitRow.client == ip))
        except Exception:  # noqa: BLE001  (another test may have dropped the table: nothing left to clean)
            pass
        engine.dispose()


def test_two_workers_share_their_counters(tmp_path, shared_loaders, apps, database_url, client_ip):
    """Two create_app over one database are two workers behind a load balancer."""
    config = dict(DATABASE_URL=database_url, RATE_LIMITS_ENABLED=True, RATE_LIMIT_API="3/minute")
    first = make_app(tmp_path / "one", shared_loaders, **config)
    second = make_app(tmp_path / "two", shared_loaders, **config)
    apps.extend([first, second])
    env = {"REMOTE_ADDR": client_ip}
    statuses = [worker.test_client().get("/api/v1/openapi.json", environ_base=env).status_code
                for worker in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


@pytest.fixture
def counters(database_url):
    from library.history.rate_limits import RateLimits, _RateLimitRow
    from library.history.store import make_engine

    engine = make_engine(database_url)
    _RateLimitRow.__table__.create(engine, checkfirst=True)
    yield RateLimits(engine)
    engine.dispose()


def test_counter_windows_and_retry_after(counters, client_ip):
    from library.history import Limit

    limit = Limit.parse("3/minute")
    start = 1_800_000_000.0  # a whole minute
    verdicts = [counters.hit("api", client_ip, limit, now=start + s) for s in (0, 10, 20, 30)]
    assert [v.hits for v in verdicts] == [1, 2, 3, 4]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[3].retry_after_s == 30 and verdicts[3].remaining == 0
    later = counters.hit("api", client_ip, limit, now=start + 61)  # the next window starts afresh
    assert later.allowed and later.hits == 1 and later.retry_after_s == 59
    assert counters.hit("frames", client_ip, limit, now=start + 62).hits == 1  # groups count apart


def test_frames_counted_in_batches_write_once_a_batch_and_pass_the_limit_by_at_most_a_batch(counters, client_ip):
    """Two workers (two RateLimits on one database) counting a frame flood in batches of 4."""
    from sqlalchemy import select

    from library.history import Limit, RateLimits
    from library.history.rate_limits import _RateLimitRow

    limit, start, batch = Limit.parse("20/minute"), 1_800_000_000.0, 4
    workers = [counters, RateLimits(counters.engine)]

    def shared() -> int:
        with counters.engine.connect() as connection:
            return connection.scalar(select(_RateLimitRow.hits).where(_RateLimitRow.client == client_ip)) or 0

    allowed = 0
    for i in range(64):
        verdict = workers[i % 2].hit("frames", client_ip, limit, now=start + i * 0.1, batch=batch)
        allowed += verdict.allowed
        if i == 5:  # 3 hits each, none added yet: the database was not written
            assert shared() == 0
        if i == 7:  # the 4th hit of each worker added its batch
            assert shared() == 8
    assert shared() == 64  # every hit counted in the end (32 a worker: a whole number of batches)
    assert limit.hits <= allowed <= limit.hits + (batch - 1) * len(workers)
    # A new window starts afresh in each worker's memory too.
    assert counters.hit("frames", client_ip, limit, now=start + 60, batch=batch).allowed


def test_old_windows_are_pruned(counters, client_ip):
    from sqlalchemy import func, select

    from library.history import Limit, RateLimits
    from library.history.rate_limits import _RateLimitRow

    limit, start = Limit.parse("5/minute"), 1_800_000_000.0

    def rows() -> int:
        with counters.engine.connect() as connection:
            return connection.scalar(select(func.count()).where(_RateLimitRow.client == client_ip))

    rarely = RateLimits(counters.engine, prune_every_s=3600)
    for minute in range(3):
        rarely.hit("api", client_ip, limit, now=start + 60 * minute)
    assert rows() == 3
    rarely.prune(now=start + 125)  # the first two windows have ended, the third has not
    assert rows() == 1
    # By default hits prune by themselves, at most once a minute per process.
    for minute in range(3, 6):
        counters.hit("api", client_ip, limit, now=start + 60 * minute)
    assert rows() == 1


def test_concurrent_hits_are_all_counted(counters, client_ip):
    """Upserts from many threads at once lose no count and never give two requests the same number."""
    from library.history import Limit

    limit, seen, errors = Limit.parse("1000/hour"), [], []

    def worker():
        try:
            for _ in range(15):
                seen.append(counters.hit("api", client_ip, limit, now=1_800_000_000.0).hits)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(seen) == list(range(1, 91))


# --- no user-controlled path reaches the file system ---------------------------------------------

TRAVERSALS = [
    "/static/../main.py", "/static/%2e%2e/main.py", "/static/..%2fmain.py", "/static/%2e%2e%2fmain.py",
    "/static/..%5cmain.py", "/static/css/../../main.py", "/static/css/..%2f..%2fmain.py",
    "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/....//....//main.py", "/static/%252e%252e/main.py", "/static/%c0%ae%c0%ae/main.py",
    "/vendor/../main.py", "/vendor/..%2fmain.py", "/vendor/vega-bundle.js/../../main.py",
    "/text/result/..%2F..%2Fetc%2Fpasswd", "/text/result/../../etc/passwd",
    "/video/result/..%2f..%2fmain.py", "/audio/result/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/interview/report/..%2F..%2Fetc%2Fpasswd.html", "/interview/report/..%2F..%2Fmain.py.json",
    "/interview/report/..%2F..%2Fetc%2Fpasswd", "/interview/..%2F..%2Fetc/video",
    "/api/v1/history/..%2F..%2Fetc%2Fpasswd.csv", "/api/v1/history/..%2fmain.py.csv",
    "/api/v1/video/session/..%2F..%2Fetc%2Fpasswd", "/api/v1/interview/..%2F..%2Fetc%2Fpasswd",
    "/static/secret_key", "/static/../instance/secret_key", "/../instance/esapr.sqlite3",
]
LEAKS = ("root:x:0:0", "def create_app", "SQLite format 3", TEST_SECRET)


def _assert_no_leak(path: str, status: int, body: str) -> None:
    assert status < 500, (path, status)
    for leak in LEAKS:
        assert leak not in body, (path, leak)


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_through_the_test_client(client, path):
    response = client.get(path)
    _assert_no_leak(path, response.status_code, response.get_data(as_text=True))
    assert response.status_code in (301, 308, 404, 400, 405), (path, response.status_code)


def test_traversal_over_real_http(app):
    """The same paths sent byte for byte to a real server (no client-side normalisation)."""
    with live_server(app) as base:
        host, port = base.removeprefix("http://").split(":")
        for path in TRAVERSALS:
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.putrequest("GET", path, skip_accept_encoding=True)
            connection.endheaders()
            response = connection.getresponse()
            _assert_no_leak(path, response.status, response.read().decode("utf-8", "replace"))
            connection.close()


@pytest.mark.real_models
def test_upload_names_never_become_paths(client, monkeypatch):
    """Uploads are read from the request into memory: a filename like ../../main.py is never opened."""
    import io

    from library.errors import BadInput
    from web.video import api as video_api

    received = []

    def fake_analyse_video(data, *args, **kwargs):
        received.append(data)
        raise BadInput("stop here")

    monkeypatch.setattr(video_api, "analyse_video_upload", fake_analyse_video)
    client.post("/api/v1/video", data={"video": (io.BytesIO(b"not a video"), "../../main.py")})
    assert received and all(isinstance(d, bytes) for d in received)
    assert received[0] == b"not a video"

    text = client.post("/api/v1/text", data={"file": (io.BytesIO(b"only a few words"), "/etc/passwd")})
    assert text.status_code == 422  # the uploaded bytes were read (too short), not /etc/passwd
    assert "root:" not in text.get_data(as_text=True)


def test_hsts_only_over_https_to_a_real_host_name(app, client):
    app.config["ALLOWED_HOSTS"] = ["*"]
    assert "Strict-Transport-Security" not in client.get("/", base_url="http://esapr.example").headers  # plain HTTP
    secure = client.get("/", base_url="https://esapr.example:8443")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    # HSTS holds for a host on every port: sent from https://localhost:<port>, it forced HTTPS on every plain
    # http://localhost app; browsers ignore it on IP literals.
    for base in ("https://localhost:8443", "https://LOCALHOST.", "https://app.localhost", "https://127.0.0.1:5000",
                 "https://[::1]:8443", "https://10.0.0.5", "https://[fe80::1]"):
        answer = client.get("/", base_url=base)
        assert answer.status_code == 200 and "Strict-Transport-Security" not in answer.headers, base
