"""Errors: JSON ``{"error": ...}`` under /api/, a friendly page elsewhere; never a traceback."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from library.errors import InputError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors/error.html", status=status, message=message), status


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

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, InternalServerError.description)
