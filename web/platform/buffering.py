"""The Flask app behind gunicorn's asyncio worker: a whole request is read before a thread runs it.

gunicorn's threaded worker hands a connection to a thread as soon as its first byte arrives, and
that thread then reads the headers and body at whatever pace the client sends them: 10 clients
trickling header lines held every thread and made ``GET /`` wait 39 s. Here the event loop reads
each request (headers, then body) without a thread, for as many connections as gunicorn's
``worker_connections`` allows; only a complete request is handed to one of ``threads`` threads,
and the answer is written back by the loop, so a slow reader does not hold a thread either.
docs/decisions.md ("Slow clients") has the measurements and the alternatives.

Bodies over 1 MB wait in an anonymous temporary file (unlinked when made, as Werkzeug's own
upload files are), so that slow uploads in flight cost disk, not memory.

A client that goes away before its answer (mid-upload, or while its analysis runs) gets none, and
gunicorn then logs the request as ``500 0``, as if the app had failed; ``ClientClosedStatus`` logs it as
499 instead, nginx's "client closed request", so that the log's 500s are the app's own.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any, Callable

SPOOL_BYTES = 1024 * 1024
_SKIPPED_HEADERS = {"content-length", "content-type"}  # they become CONTENT_LENGTH / CONTENT_TYPE
CLIENT_CLOSED = 499
# Set in the connection's task while its request is served; gunicorn writes the access log in the same task.
_client_gone: ContextVar[bool] = ContextVar("esapr_client_gone", default=False)


class ClientClosedStatus(logging.Filter):
    """On gunicorn's access log: a request whose client went away is logged 499, not gunicorn's 500."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _client_gone.get() and isinstance(record.args, dict):
            record.args["s"] = str(CLIENT_CLOSED)
        return True


def _log_client_closed() -> None:
    access = logging.getLogger("gunicorn.access")
    if not any(isinstance(f, ClientClosedStatus) for f in access.filters):
        access.addFilter(ClientClosedStatus())


class BufferedWSGI:
    """An ASGI application that runs a WSGI ``app`` on complete requests, in a pool of ``threads``."""

    def __init__(self, app: Callable, threads: int, max_body_bytes: int):
        self.app = app  # the Flask app, for whoever needs it (the model warm-up in web/platform/serve.py)
        self.max_body_bytes = max_body_bytes
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="request")
        _log_client_closed()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        # anything else (a WebSocket) is not served: returning closes it

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._pool.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: dict, receive: Callable, send: Callable) -> None:
        _client_gone.set(False)  # one connection's task serves its requests one after another
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _answer(send, 413, b"The upload is too large.\n")  # refused before a byte of it is read
            return
        body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        try:
            size = await self._read_body(receive, body)
            if size is None:
                _client_gone.set(True)
                return
            if size > self.max_body_bytes:
                await _answer(send, 413, b"The upload is too large.\n")
                return
            loop = asyncio.get_running_loop()
            # After the body, receive() returns only when the client disconnects: it tells whether anyone is left
            # to answer once the request has run.
            gone = asyncio.ensure_future(_disconnected(receive))
            try:
                status, headers, chunks = await loop.run_in_executor(self._pool, self._run, environ(scope, body, size))
            except asyncio.CancelledError:
                _client_gone.set(True)  # gunicorn cancels a request's task a few seconds after its client went away
                raise
            finally:
                if not gone.done():
                    gone.cancel()
        finally:
            body.close()
        if gone.done() and not gone.cancelled() and gone.exception() is None and gone.result():
            _client_gone.set(True)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    async def _read_body(self, receive: Callable, body) -> int | None:
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return size
            body.write(chunk)
            if not message.get("more_body", False):
                body.seek(0)
                return size

    def _run(self, env: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
        """The WSGI call, in a pool thread: (status, headers, body chunks)."""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            if exc_info and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            return chunks.append

        result = self.app(env, start_response)
        try:
            chunks.extend(chunk for chunk in result if chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started["status"], started["headers"], chunks


async def _disconnected(receive: Callable) -> bool:
    """True once the client disconnects; the server may first repeat the body's end (empty, no more body)."""
    for _ in range(3):
        if (await receive()).get("type") == "http.disconnect":
            return True
    return False


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def environ(scope: dict, body, size: int) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope whose body has been read into ``body``."""
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("", 0)
    env: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        # ASGI gives the path decoded as UTF-8; WSGI wants those bytes as latin-1 characters.
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]) if server[1] is not None else "80",
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": str(size),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    content_type = _header(scope, b"content-type")
    if content_type is not None:
        env["CONTENT_TYPE"] = content_type
    for key, value in scope["headers"]:
        name = key.decode("latin-1")
        if name in _SKIPPED_HEADERS:
            continue
        wsgi_name = "HTTP_" + name.upper().replace("-", "_")
        text = value.decode("latin-1")
        # Repeated headers are joined as one (cookies with "; ", the rest with ", ", as RFC 9110 allows).
        if wsgi_name in env:
            text = env[wsgi_name] + ("; " if wsgi_name == "HTTP_COOKIE" else ", ") + text
        env[wsgi_name] = text
    return env


async def _answer(send: Callable, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})
