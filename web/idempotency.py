"""``Idempotency-Key`` on API POSTs: a retried request gets the first answer instead of a second analysis.

A client that lost the answer to an analysis (a broken connection, a killed worker) retries with
the same key; if the first request was stored, the stored answer comes back with
``Idempotent-Replayed: true``; if it is still running elsewhere, 409; if it failed or never
finished, the retry runs it. Keys are scoped to the path and the client (its private token, else
its address), so one client's key never replays another's answer.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, g, request

from library.errors import BadInput
from library.history import idempotency
from web.owner import HEADER as TOKEN_HEADER
from web.owner import request_owner

KEY_HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255
# A claim older than this with no answer belongs to a request that died: a retry may take it over.
STALE_AFTER_S = 600


def init_app(app: Flask) -> None:
    app.before_request(_replay_or_claim)
    app.after_request(_keep_or_release)


def _scoped_key(key: str) -> str:
    client = request.headers.get(TOKEN_HEADER) or request.remote_addr or "unknown"
    return hashlib.sha256(f"{request.path}\n{client}\n{key}".encode("utf-8")).hexdigest()


def _replay_or_claim() -> Response | None:
    key = request.headers.get(KEY_HEADER)
    if key is None or request.method != "POST" or not request.path.startswith("/api/"):
        return None
    if not (0 < len(key) <= MAX_KEY_CHARS and key.isascii() and key.isprintable()):
        raise BadInput(f"{KEY_HEADER} must be 1 to {MAX_KEY_CHARS} printable ASCII characters.")
    store = current_app.extensions["esapr_store"]
    scoped = _scoped_key(key)
    result = idempotency.claim(store, scoped, request_owner(), STALE_AFTER_S)
    if result.outcome == "replay":
        return Response(result.body, status=result.status, mimetype="application/json",
                        headers={"Idempotent-Replayed": "true"})
    if result.outcome == "busy":
        return current_app.json.response(error=f"A request with this {KEY_HEADER} is still being answered; "
                                               "retry in a few seconds."), 409
    g.idempotency_key = scoped
    return None


def _keep_or_release(response: Response) -> Response:
    scoped = g.pop("idempotency_key", None)
    if scoped is None:
        return response
    store = current_app.extensions["esapr_store"]
    if 200 <= response.status_code < 300:
        idempotency.complete(store, scoped, response.status_code, response.get_data(as_text=True))
    else:
        idempotency.release(store, scoped)  # an error is not an answer to keep: a retry runs again
    return response
