"""gunicorn's asyncio (ASGI) worker, taking one new connection each time its listening socket wakes it.

All workers wait on the one listening socket. When connections arrive, asyncio's accept callback takes as many as
are queued (up to 100) before it returns, so the worker that wakes first takes a whole burst: with 16 clients
connecting at once one worker took 1,326 of 1,632 keep-alive frames and the other core idled
(benchmarks/load.py --kinds frame). Taking one connection per wake-up leaves the next queued connection to the
next worker the kernel wakes, so a burst spreads over the workers, while every connection stays on the shared
socket: a worker that dies loses none queued (the reason ``ESAPR_REUSE_PORT``'s per-worker sockets stay off).
Written here because neither gunicorn nor asyncio has a setting for it: asyncio's ``backlog`` argument is both
the accept batch and the socket's listen queue, and a listen queue of one would drop connections in a burst.
"""

from __future__ import annotations

import asyncio
import socket

from gunicorn.workers.gasgi import ASGIWorker


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


class FairASGIWorker(ASGIWorker):
    def init_process(self):
        for listener in self.sockets:
            listener.sock = one_accept_per_wake(listener.sock)
        super().init_process()
