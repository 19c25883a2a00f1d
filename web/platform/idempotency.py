"""``Idempotency-Key`` on API POSTs: a retried request gets the first answer instead of a second analysis.

A client that lost the answer to an analysis (a broken connection, a killed worker) retries with
the same key; if the first request was stored, the stored answer comes back with
``Idempotent-Replayed: true``; if it is still running elsewhere, 409; if it failed or never
finished, the retry runs it.

Keys are scoped to the path and the request's owner - its private token from the
``X-ESAPR-Token`` header or the browser's cookie - never to its address (#15: two people behind
one address got each other's answers). A request without a token gets a new one first, so its
key matches nothing kept: to retry safely a program sends the token from its first answer, or
makes its own (32 URL-safe characters of randomness) and sends it from the start. The answer is
kept with a hash of the request; the same key with a different request is 422, not a replay.
"""

from __future__ import annotations

import hashlib

from flask import Flask, Response, current_app, g, request

from library.errors import BadInput, UnprocessableInput
from library.history import idempotency
from web.platform.owner import request_owner, request_token

KEY_HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255
# A claim older than this with no answer belongs to a request that died: a retry may take it over.
STALE_AFTER_S = 600
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_CHUNK = 1024 * 1024


def init_app(app: Flask) -> None:
    app.before_request(_replay_or_claim)
    app.after_request(_keep_or_release)


def _scoped_key(key: str) -> str:
    token = request_token(create=True)  # header, else cookie, else a new one (which matches nothing kept)
    return hashlib.sha256(f"{request.path}\n{token}\n{key}".encode("utf-8")).hexdigest()


def request_digest() -> str:
    """SHA-256 of what the request asks: its path and query, and its fields and files (or its raw body).

    Forms are hashed by their parsed content, not their bytes: a browser that retries an upload
    sends the same fields and file under a new multipart boundary. A file counts with its name and
    content type, which the analysis may read (the same bytes as ``a.pdf`` and ``a.txt`` are two requests).
    """
    digest = hashlib.sha256(f"{request.path}?{request.query_string.decode('latin-1')}\n".encode("utf-8"))
    if request.mimetype in FORM_TYPES:
        for name in sorted(request.form, key=str):  # a part with no name parses as None
            for value in request.form.getlist(name):
                digest.update(f"field {name}={len(value)}:{value}\n".encode("utf-8"))
        for name in sorted(request.files, key=str):
            for upload in request.files.getlist(name):
                digest.update(f"file {name}\n{len(upload.filename or '')}:{upload.filename or ''}\n"
                              f"{upload.content_type or ''}\n".encode("utf-8"))
                stream = upload.stream
                position = stream.tell()
                stream.seek(0)
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                stream.seek(position)
    else:
        digest.update(f"{request.mimetype}\n".encode("utf-8"))
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _largest_upload() -> int:
    config = current_app.config
    return max(config.get("MAX_CONTENT_LENGTH") or 0, config["VIDEO_MAX_MB"] * 1024 * 1024,
               config["AUDIO_MAX_MB"] * 1024 * 1024 + 64 * 1024)


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
        # The body must be read to compare it; any upload a channel accepts may be that big.
        request.max_content_length = _largest_upload()
        if result.request_hash is not None and result.request_hash != request_digest():
            raise UnprocessableInput(f"This {KEY_HEADER} was already used for a different request. Use a new key "
                                     "for a new request; a retry must send exactly the same one.")
        return Response(result.body, status=result.status, mimetype="application/json",
                        headers={"Idempotent-Replayed": "true"})
    if result.outcome == "busy":
        return current_app.json.response(error=f"A request with this {KEY_HEADER} is still being answered; "
                                               "retry in a few seconds."), 409
    if request.mimetype not in FORM_TYPES:
        request.get_data(cache=True)  # a raw body is read once, so keep it to hash after the answer
    g.idempotency_key = scoped
    return None


def _keep_or_release(response: Response) -> Response:
    scoped = g.pop("idempotency_key", None)
    if scoped is None:
        return response
    store = current_app.extensions["esapr_store"]
    if 200 <= response.status_code < 300:
        idempotency.complete(store, scoped, response.status_code, response.get_data(as_text=True), request_digest())
    else:
        idempotency.release(store, scoped)  # an error is not an answer to keep: a retry runs again
    return response
