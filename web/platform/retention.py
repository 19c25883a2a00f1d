"""Retention: each worker purges expired rows at start and then at most once per interval.

No scheduler process to run or forget: any worker that serves a request after the
interval does the purge (deleting is idempotent, so two workers doing it at once is harmless).
"""

from __future__ import annotations

import time

from flask import Flask

from library.history.owners import purge


def purge_now(app: Flask) -> dict[str, int]:
    config = app.config
    live_keep_s = max(config["LIVE_SESSION_EXPIRY_S"], config["INTERVIEW_EXPIRY_S"])
    return purge(app.extensions["esapr_store"], keep_days=config["RETENTION_DAYS"], live_keep_s=live_keep_s)


def init_app(app: Flask) -> None:
    last = {"at": float("-inf")}

    @app.before_request
    def purge_when_due() -> None:
        now = time.monotonic()
        if now - last["at"] < app.config["RETENTION_PURGE_EVERY_S"]:
            return
        last["at"] = now
        try:
            counts = purge_now(app)
        except Exception:  # a purge that fails (e.g. read-only database) must not fail the request
            app.logger.exception("retention purge failed")
            return
        if any(counts.values()):
            app.logger.info("retention purge: %s", counts)
