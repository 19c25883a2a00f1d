"""A cap on the heavy analyses one worker runs at once; past it and its waiting room, a 503 with Retry-After.

Each analysis is bounded on its own (bytes, pixels, samples x channels, a PDF child's memory),
but not in combination: 8 bounded FLACs at once took the workers to 4.7 GB, and 8 slow frames
made the home page wait a minute. A worker runs at most ``HEAVY_ANALYSES_PER_WORKER`` of these at a
time, so its memory is its models plus that many analyses' worst case (the README states the
bound). Requests over the cap wait for a slot, at most ``HEAVY_WAIT_S``, in a waiting room of
``HEAVY_WAITING_PER_WORKER``; when that is full too, or the wait runs out, the answer is 503 at
once. A waiting request holds a thread but no CPU; web/platform/serve.py gives each worker threads for the
running and waiting analyses and two more, so pages and live frames always find one free.

Live frames are not counted: each is bounded to one decode of at most 9.4 Mpx and 10 scans
(library/video/frames.py, about 0.1 s), and a capture sends the next only after the last answer.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g, request

from web.platform.errors import respond
from web.platform.policy import is_heavy

# Seconds a refused client is told to wait: about what one heavy analysis takes here.
RETRY_AFTER_S = 5
# Threads a worker keeps for everything else (pages, live frames, reads) beside running and waiting analyses.
SPARE_THREADS = 2


class Slots:
    """``running`` slots, and room for ``waiting`` requests to wait for one."""

    def __init__(self, running: int, waiting: int):
        self._running = threading.BoundedSemaphore(running)
        self._lock = threading.Lock()
        self._waiting = 0
        self.max_waiting = waiting

    def take(self, timeout_s: float) -> bool:
        if self._running.acquire(blocking=False):
            return True
        with self._lock:
            if self._waiting >= self.max_waiting:
                return False
            self._waiting += 1
        try:
            return self._running.acquire(timeout=timeout_s)
        finally:
            with self._lock:
                self._waiting -= 1

    def give_back(self) -> None:
        self._running.release()


def threads_needed(config) -> int:
    """Threads a worker needs so that waiting analyses never leave pages without one."""
    return config["HEAVY_ANALYSES_PER_WORKER"] + config["HEAVY_WAITING_PER_WORKER"] + SPARE_THREADS


def init_app(app: Flask) -> None:
    # Per app, so per worker process: every worker builds its own app after the fork (web/platform/serve.py).
    app.extensions["esapr_heavy_slots"] = Slots(app.config["HEAVY_ANALYSES_PER_WORKER"],
                                                app.config["HEAVY_WAITING_PER_WORKER"])
    app.before_request(take_slot)
    app.teardown_request(give_slot_back)


def take_slot():
    if request.method != "POST" or not is_heavy(request):
        return None
    config = current_app.config
    if not current_app.extensions["esapr_heavy_slots"].take(config["HEAVY_WAIT_S"]):
        current_app.logger.warning("busy: %s %s refused, %d analyses running and the waiting room full or "
                                   "the wait over", request.method, request.path, config["HEAVY_ANALYSES_PER_WORKER"])
        return respond(503, "The server is busy with other analyses right now; nothing was saved. "
                       f"Please try again in {RETRY_AFTER_S} seconds.", {"Retry-After": str(RETRY_AFTER_S)})
    g.heavy_slot = True
    return None


def give_slot_back(_exc) -> None:
    if g.pop("heavy_slot", False):
        current_app.extensions["esapr_heavy_slots"].give_back()
