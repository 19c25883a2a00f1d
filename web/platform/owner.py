"""Whose request is this? The private token that ties a person's results together.

A browser keeps its token in Flask's signed, HttpOnly session cookie; an API client
sends it in ``X-ESAPR-Token`` (and learns it from the same response header the first
time). Only POSTs get a token made for them: looking at pages never makes one, and never
adopts one either (a GET cannot put someone else's token or interview into a browser).

Results are theirs alone: every read of a stored analysis or of a capture goes through the
owner hash of this request's token (``store()`` in web/platform/extensions.py carries it), so another
person's id answers 404 as if it did not exist. The private link /my/<token> acts for its
token on that request only (``act_for``), without touching the cookie.
"""

from __future__ import annotations

from flask import Flask, Response, g, request, session

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


def act_for(token: str) -> None:
    """This request acts for ``token`` (a private link): reads and writes are that person's."""
    g.esapr_token = token
    g.esapr_link_token = token


def link_token() -> str | None:
    """The private link's token when the request came through one, else None."""
    return g.get("esapr_link_token")


def request_owner() -> str | None:
    """The owner hash this request reads and writes as (None: no token, so nothing stored is theirs).
    Reading it changes nothing: POSTs were given a token before the view ran (``init_app``)."""
    token = request_token(create=False)
    return owner_of(token) if token else None


def _give_posts_a_token() -> None:
    # A POST may store something, which must belong to someone: it gets a token (new, or the one it carries).
    if request.method == "POST":
        request_token(create=True)


def init_app(app: Flask) -> None:
    """Register before idempotency and the views: a POST's replayed or stored answer belongs to its token."""
    app.before_request(_give_posts_a_token)
    app.after_request(tell_api_client)


def tell_api_client(response: Response) -> Response:
    """API responses name the token they acted for, so a client without cookies can keep it."""
    token = g.get("esapr_token")
    if token and request.path.startswith("/api/") and not link_token():
        response.headers[HEADER] = token
    return response
