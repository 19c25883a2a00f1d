"""gunicorn's asyncio (ASGI) worker, taking one new connection each time its listening socket wakes it.

All workers wait on the one listening socket. When connections arrive, asyncio's accept callback takes as many as
are queued (up to 100) before it returns, so the worker that wakes first takes a whole burst: with 16 clients
connecting at once one worker took 1,326 of 1,632 keep-alive frames and the other core idled
(benchmarks/load.py --kinds frame). Taking one connection per wake-up leaves the next queued connection to the
next worker the kernel wakes, so a burst spreads over the workers, while every connection stays on the shared
socket: a worker that dies loses none queued (the reason ``ESAPR_REUSE_PORT``'s per-worker sockets stay off).
Written here because neither gunicorn nor asyncio has a setting for it: asyncio's ``backlog`` argument is both
the accept batch and the socket's listen queue, and a listen queue of one would drop connections in a burst.

The worker also enforces its connection limits, which gunicorn 27's asyncio worker only counts (``nr_conns``)
and never checks, and gives a connection a deadline for its first request, which it never had (its keep-alive
timer starts after the first response): 2,119 idle connections had held ``GET /`` for the whole hold, and
"Too many open files" filled the log. ``GuardedProtocol`` answers 503 and closes a connection over
``worker_connections`` (bounded below the process's open-file limit) or over ``ESAPR_CONNECTIONS_PER_CLIENT``
from one client (an address, an IPv6 /64), and closes one whose request headers have not all come within
``ESAPR_FIRST_REQUEST_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import resource
import socket
from collections import Counter

from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers import gasgi
from gunicorn.workers.gasgi import ASGIWorker

from library.history.rate_limits import client_key
from web.platform.config import env_int

# Open files a worker keeps for itself beside its connections: models, the database, logs, the listening socket.
FILES_RESERVED = 128
_BUSY = b"Too many connections; please try again soon.\n"
REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Type: text/plain\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(_BUSY), _BUSY))
# Connections one address may hold in a worker: a browser opens about 6 per site, so 100 leaves room for a
# household or office behind one address. Off behind a trusted proxy, where every client has the proxy's address.
PER_CLIENT = 100


class OneAcceptPerWake(socket.socket):
    """A listening socket whose ``accept`` gives one connection per turn of the event loop; after that it says
    "nothing more now" (``BlockingIOError``), which ends asyncio's accept loop until the selector wakes it again."""

    _took_one = False

    def accept(self):
        if self._took_one:
            raise BlockingIOError("one connection per wake-up")
        accepted = super().accept()
        self._took_one = True
        asyncio.get_running_loop().call_soon(self._ready)
        return accepted

    def _ready(self) -> None:
        self._took_one = False


def one_accept_per_wake(sock: socket.socket) -> OneAcceptPerWake:
    """The same listening socket (same file descriptor) with ``OneAcceptPerWake``'s accept."""
    return OneAcceptPerWake(sock.family, sock.type, sock.proto, fileno=sock.detach())


def connection_limit(worker_connections: int) -> int:
    """``worker_connections``, kept below the open-file limit so that accepting never fails with EMFILE."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return worker_connections
    return max(1, min(worker_connections, soft - FILES_RESERVED))


class GuardedProtocol(ASGIProtocol):
    """gunicorn's ASGI protocol with the limits above enforced (the worker sets the class attributes)."""

    limit = 1000
    per_client = 0  # 0: no limit per address (behind a proxy every client shares its address)
    first_request_s = 10.0
    clients: Counter = Counter()

    def connection_made(self, transport):
        peer = transport.get_extra_info("peername")
        # Counted as the rate limits count a client: an IPv6 address by its /64, which one subscriber holds whole.
        self._client = client_key(peer[0] if isinstance(peer, tuple) else None)
        self._refused = (self.worker.nr_conns >= self.limit
                         or (self.per_client > 0 and self.clients[self._client] >= self.per_client))
        if self._refused:
            transport.write(REFUSAL)
            transport.close()
            return
        self.clients[self._client] += 1
        super().connection_made(transport)
        if self.first_request_s > 0 and hasattr(self, "_request_ready"):
            # The keep-alive timer's own handle: gunicorn cancels it once the request's headers are complete.
            self._keepalive_handle = self.worker.loop.call_later(self.first_request_s, self._keepalive_timeout)

    def connection_lost(self, exc):
        if self._refused:
            return
        if not self._conn_lost_handled:
            self.clients[self._client] -= 1
            if self.clients[self._client] <= 0:
                del self.clients[self._client]
        super().connection_lost(exc)

    def data_received(self, data):
        if not self._refused:
            super().data_received(data)


class FairASGIWorker(ASGIWorker):
    def init_process(self):
        for listener in self.sockets:
            listener.sock = one_accept_per_wake(listener.sock)
        GuardedProtocol.limit = connection_limit(self.worker_connections)
        behind_proxy = env_int("ESAPR_TRUSTED_PROXIES", 0) > 0
        GuardedProtocol.per_client = env_int("ESAPR_CONNECTIONS_PER_CLIENT", 0 if behind_proxy else PER_CLIENT)
        GuardedProtocol.first_request_s = float(env_int("ESAPR_FIRST_REQUEST_TIMEOUT_S", 10))
        # gasgi's serving loop makes ``ASGIProtocol(self)`` for each connection by this module-level name; in this
        # worker process it is ours (gunicorn has no setting for the protocol class).
        gasgi.ASGIProtocol = GuardedProtocol
        super().init_process()
