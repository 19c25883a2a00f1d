"""Errors: JSON ``{"error": ...}`` under /api/, a friendly page elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import InternalError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from library.errors import InputError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


# Seconds a client is told to wait when the database cannot take writes.
DATABASE_RETRY_AFTER_S = 30


def _respond(status: int, message: str, headers: dict[str, str] | None = None):
    if _wants_json():
        return jsonify(error=message), status, headers or {}
    return render_template("errors/error.html", status=status, message=message), status, headers or {}


respond = _respond  # the public name, for hooks that answer before a view runs (web/platform/capacity.py)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(InputError)
    def input_error(exc: InputError):
        return _respond(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 413:
            # The request's own limit: channels raise it for videos and recordings.
            limit_mb = (request.max_content_length or app.config.get("MAX_CONTENT_LENGTH") or 0) / (1024 * 1024)
            return _respond(413, f"The upload is too large (the limit is {limit_mb:.0f} MB).")
        return _respond(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InternalError)
    def database_unavailable(exc: OperationalError | InternalError):
        # The database can't take writes now: read-only or full disk (SQLite's OperationalError),
        # a read-only transaction (PostgreSQL's InternalError), the server down or restarting. The
        # request can be retried as it is: each write is one transaction, so nothing half-done was
        # kept. Other database errors (integrity, programming) are bugs and stay 500s.
        app.logger.error("database error on %s %s (answered 503): %s", request.method, request.path, exc.orig)
        return _respond(503, "The database can't take this right now (it may be full, read-only or restarting), "
                        "so nothing was saved. Please try again in a minute.",
                        {"Retry-After": str(DATABASE_RETRY_AFTER_S)})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, InternalServerError.description)
