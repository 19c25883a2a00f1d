"""Whose request is this? The private token that ties a person's results together.

A browser keeps its token in Flask's signed, HttpOnly session cookie; an API client
sends it in ``X-ESAPR-Token`` (and learns it from the same response header the first
time). Only POSTs get a token made for them: looking at pages never makes one.
"""

from __future__ import annotations

from flask import Response, g, request, session

from library.history.owners import looks_like_token, new_token, owner_of

HEADER = "X-ESAPR-Token"
COOKIE_KEY = "privacy_token"


def request_token(create: bool) -> str | None:
    """The token this request acts for; a new one (remembered in the cookie) when ``create``."""
    if "esapr_token" in g:
        return g.esapr_token
    token = request.headers.get(HEADER) or session.get(COOKIE_KEY)
    if token is not None and not looks_like_token(token):
        token = None  # junk in a header or an old cookie: treat as absent, never as someone else's
    if token is None and create:
        token = new_token()
        session[COOKIE_KEY] = token
        session.permanent = True  # kept for the retention period, not just until the browser closes
    if token is not None:
        g.esapr_token = token
    return token


def request_owner() -> str | None:
    """The owner hash rows made by this request carry; None for reads."""
    if request.method != "POST":
        return None
    return owner_of(request_token(create=True))


def tell_api_client(response: Response) -> Response:
    """API responses name the token they acted for, so a client without cookies can keep it."""
    token = g.get("esapr_token")
    if token and request.path.startswith("/api/"):
        response.headers[HEADER] = token
    return response
