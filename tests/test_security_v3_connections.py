"""Security v3: connection limits the serving stack really enforces, and a deadline for the first request.

The real thing, ``python main.py serve`` (benchmarks/serving.py), with a low open-file limit so that what took
2,119 connections on the attacked machine takes a few hundred here. Before: gunicorn's asyncio worker counted
its connections but never refused one, and a connection that sent nothing was never closed, so idle
connections used up the worker's files and ``GET /`` waited for the whole hold.
"""

from __future__ import annotations

import contextlib
import resource
import socket
import time

import pytest
import requests

from benchmarks.serving import Server

pytestmark = pytest.mark.slow

FIRST_REQUEST_S = 2


@contextlib.contextmanager
def server_with_open_files(tmp_path, files: int, **env: str):
    """A one-worker server whose processes may open at most ``files`` files (the test process keeps its own)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, hard))
    try:
        server = Server(f"sqlite:///{tmp_path / 'history.sqlite3'}", workers=1, warm_models=False,
                        env={"ESAPR_FIRST_REQUEST_TIMEOUT_S": str(FIRST_REQUEST_S), **env})
        server.start()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        yield server
    finally:
        server.stop()


def idle_connections(port: int, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        while data := sock.recv(4096):  # a refusal's 503, then the end
            if not data.startswith(b"HTTP/1.1 503"):
                return False
        return True
    except (TimeoutError, socket.timeout):
        return False
    except ConnectionResetError:
        return True


def home_answers(server: Server, within_s: float) -> float | None:
    """Seconds until GET / answers 200 (a 503 'too many connections' is tried again), None if it never did."""
    start = time.monotonic()
    while time.monotonic() - start < within_s:
        try:
            if requests.get(server.url("/"), timeout=within_s).status_code == 200:
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return None


def test_idle_connections_past_the_open_file_limit_do_not_hold_the_home_page(tmp_path):
    with server_with_open_files(tmp_path, 256, ESAPR_CONNECTIONS_PER_CLIENT="0") as server:
        held = idle_connections(server.port, 400)
        try:
            seconds = home_answers(server, within_s=FIRST_REQUEST_S + 8)
            assert seconds is not None, server.log_tail()
            assert all(closed_by_server(sock, FIRST_REQUEST_S + 5) for sock in held[:50])
        finally:
            for sock in held:
                sock.close()
        log = server.log_text()
        assert "Too many open files" not in log and len(log) < 200_000


def test_a_connection_that_sends_no_whole_request_is_closed(tmp_path):
    with server_with_open_files(tmp_path, 1024) as server:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(b"GET / HT")  # a header begun and never finished
        start = time.monotonic()
        assert closed_by_server(sock, FIRST_REQUEST_S + 5)
        assert time.monotonic() - start < FIRST_REQUEST_S + 3
        sock.close()
        # A request sent in time is answered as before, and its keep-alive connection is reused.
        with requests.Session() as session:
            assert [session.get(server.url("/"), timeout=10).status_code for _ in range(2)] == [200, 200]


def test_one_address_may_hold_only_so_many_connections(tmp_path):
    with server_with_open_files(tmp_path, 1024, ESAPR_CONNECTIONS_PER_CLIENT="5") as server:
        held = idle_connections(server.port, 5)
        try:
            time.sleep(0.3)  # accepted by the worker
            extra = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            extra.settimeout(3)
            assert extra.recv(4096).startswith(b"HTTP/1.1 503")
            extra.close()
        finally:
            for sock in held:
                sock.close()
        assert home_answers(server, within_s=5) is not None


def _access_lines(server: Server, path: str) -> list[str]:
    return [line for line in server.log_text().splitlines() if f"POST {path} HTTP/1.1\"" in line]


def test_a_client_that_goes_away_is_logged_499_not_500(tmp_path):
    from sample_texts import ESSAY

    with server_with_open_files(tmp_path, 1024) as server:
        host = f"Host: 127.0.0.1:{server.port}\r\n"
        # Mid-upload: 10 of 1,000 bytes, then gone.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(f"POST /api/v1/text HTTP/1.1\r\n{host}Content-Type: text/plain\r\n"
                         "Content-Length: 1000\r\n\r\n0123456789".encode())
        # While its analysis runs: the whole request, then gone before the answer.
        body = f"text={ESSAY}".encode()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(f"POST /api/v1/text?again=1 HTTP/1.1\r\n{host}Content-Type: application/x-www-form-urlencoded"
                         f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_access_lines(server, "/api/v1/text")
                                                  + _access_lines(server, "/api/v1/text?again=1")) < 2:
            time.sleep(0.5)
        lines = _access_lines(server, "/api/v1/text") + _access_lines(server, "/api/v1/text?again=1")
        assert len(lines) == 2 and all('" 499 ' in line for line in lines), lines
        assert requests.post(server.url("/api/v1/text"), data={"text": "too short"}, timeout=30).status_code == 422
