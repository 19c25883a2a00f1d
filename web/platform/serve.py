"""The production server: gunicorn, several workers with a few threads each.

Workers are gunicorn's asyncio (``asgi``) workers running the Flask app through
web/platform/buffering.py: the event loop reads each request whole, and only then does one of the
worker's threads run it, so slow clients cost a connection, never a thread (#15).

Each worker builds its own app after the fork (no preload): a worker owns its database
pool and models, and a crashed worker is replaced without touching the others. The master
only prepares the database first (tables, shared secret), so that workers never race to. Models
load lazily; once a worker is up, a background thread warms them so the first analysis
doesn't pay for loading, while the home page answers at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from library.registry import WARM_UP
from web.platform.buffering import BufferedWSGI
from web.platform.capacity import threads_needed
from web.platform.config import env_int

MB = 1024 * 1024


def default_workers() -> int:
    # Inference is CPU-bound: more processes than cores only adds memory (each loads the models).
    return env_int("ESAPR_WORKERS", max(1, os.cpu_count() or 1))


def options(host: str, port: int, workers: int | None = None) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        # The event loop reads requests whole (web/platform/buffering.py); threads then run them, so that one
        # worker can wait on the database while another request computes.
        # gunicorn's asyncio worker, taking one connection per wake-up so that a burst spreads over the workers
        # (web/platform/worker.py)
        "worker_class": "web.platform.worker.FairASGIWorker",
        "worker_connections": env_int("ESAPR_WORKER_CONNECTIONS", 1000),
        # ESAPR_REUSE_PORT=1: one listening socket per worker (SO_REUSEPORT), so the kernel spreads new connections
        # over the workers. Off by default: a worker that dies takes the connections queued on its own socket with
        # it (2 of 120 requests begun after a SIGKILL broke in tests/test_serving.py, none with the shared socket),
        # and on the shared socket the workers now take one connection per wake-up (web/platform/worker.py), so a
        # burst of new connections no longer goes whole to the first worker awake (docs/decisions.md has the runs).
        "reuse_port": env_int("ESAPR_REUSE_PORT", 0) == 1,
        # A worker silent this long is killed and replaced; an uploaded video takes up to a minute.
        "timeout": env_int("ESAPR_WORKER_TIMEOUT_S", 300),
        "graceful_timeout": 30,
        # How long an idle keep-alive connection stays open. gunicorn's 2 s default races clients
        # that pause between requests; 5 s is the usual choice behind a load balancer (whose own
        # idle timeout should then be shorter, so that it, not the worker, closes first).
        "keepalive": env_int("ESAPR_KEEPALIVE_S", 5),
        # Replace workers now and then (with jitter so they don't all restart at once), bounding leaks.
        "max_requests": env_int("ESAPR_MAX_REQUESTS", 5000),
        "max_requests_jitter": 500,
        # gunicorn 27's runtime control socket: unused here, and two servers on one machine would share its path.
        "control_socket_disable": True,
        "accesslog": "-",
        "errorlog": "-",
        "post_fork": _limit_malloc,
        "post_worker_init": _warm_models,
    }


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def _limit_malloc(_server, _worker) -> None:
    """At most four glibc malloc arenas in a worker (ESAPR_MALLOC_ARENAS), set before its threads start.

    By default glibc gives each thread that allocates concurrently an arena of its own (up to 8 per core), and
    each arena keeps the memory freed in it for reuse: under benchmarks/load.py (2 workers, 16 clients, text,
    frames and audio) a worker ended at 642 MB on average with the default (8 runs), 565 with four arenas (3)
    and 522 with two (5), where text and audio latencies looked slower (docs/decisions.md, "A leaner runtime").
    Allocation does not enter any computation, so outputs are the same bytes. 0 keeps glibc's default, and so
    does glibc's own MALLOC_ARENA_MAX when set. (A fixed mmap threshold cut more, but made each audio analysis 10-20 % slower:
    its large buffers then page-fault afresh every time.)
    """
    arenas = env_int("ESAPR_MALLOC_ARENAS", 4)
    if arenas <= 0 or "MALLOC_ARENA_MAX" in os.environ:
        return
    name = ctypes.util.find_library("c")
    try:
        ctypes.CDLL(name).mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError, TypeError):  # no C library found, or not glibc (musl, macOS): nothing to set
        pass


def _warm_models(worker) -> None:
    if os.environ.get("ESAPR_WARM_MODELS", "1") == "0":
        return
    app: Flask = worker.asgi.app  # the Flask app inside web/platform/buffering.py's BufferedWSGI
    registry = app.extensions["esapr_models"]

    def warm() -> None:
        for name in WARM_UP:
            try:
                registry.get(name)
            except Exception:  # a model not trained yet: its page explains that when asked
                app.logger.warning("model %s could not be loaded in advance", name, exc_info=True)
        warm_figures(app)

    threading.Thread(target=warm, name="warm-models", daemon=True).start()


def warm_figures(app: Flask) -> None:
    """Read everyone's figures into this worker's cache (library/history/figures.py) before anyone asks: the first
    dashboard of a worker read every earlier row (2-7 s at 40,000 rows); later ones read only what changed."""
    from library.history.figures import FIELDS

    for channel in FIELDS:
        try:
            app.extensions["esapr_figures"].channel(channel)
        except Exception:  # a database that cannot answer now: the first dashboard reads them instead
            app.logger.warning("figures of %s could not be read in advance", channel, exc_info=True)


class ProductionServer(BaseApplication):
    def __init__(self, make_app: Callable[[], Flask], settings: dict[str, Any], threads: int | None = None):
        self._make_app = make_app
        self._settings = settings
        self._threads = threads or env_int("ESAPR_THREADS", 0)  # 0: as many as web/platform/capacity.py needs
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._settings.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = self._make_app()
        app.debug = False  # never the debugger in production, whatever FLASK_DEBUG says
        return app

    def wsgi(self) -> BufferedWSGI:
        """What each worker serves (gunicorn calls this once per worker, after the fork)."""
        if self.callable is None:
            app = self.load()
            self.callable = BufferedWSGI(app, self._threads or threads_needed(app.config), largest_body(app.config))
        return self.callable


def largest_body(config) -> int:
    """The largest request any route accepts: more is refused before it is read."""
    return max(config["MAX_CONTENT_LENGTH"], config["VIDEO_MAX_MB"] * MB, config["AUDIO_MAX_MB"] * MB) + 64 * 1024


def run_production(make_app: Callable[[], Flask], host: str, port: int,
                   workers: int | None = None, threads: int | None = None) -> None:
    prepare_database(make_app)
    ProductionServer(make_app, options(host, port, workers), threads).run()


def prepare_database(make_app: Callable[[], Flask]) -> None:
    """Create the tables and the shared secret once, in the master, before any fork.

    Workers that all find an empty database race to create the same tables. The store survives
    that race (library/history/store.py ``create_schema``), but a worker that failed to boot for any
    reason makes gunicorn halt the whole server, so a bad DATABASE_URL or an unreachable database
    is better met here, once, with a clear error. The app made here is thrown away, its connections
    closed, so that no worker inherits them.
    """
    make_app().extensions["esapr_store"].close()
