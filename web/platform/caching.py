"""``Cache-Control: no-store`` on everything that may be private (#15).

Result pages, reports, "My results", exports, interview steps and every API answer hold one
person's figures or a link to them; a shared cache (a proxy, a browser profile someone else
opens later) must not keep them. Rather than list the private routes (and forget the next one),
every response is ``no-store`` except the few that are the same for everyone: the home and
"How it works" pages, the public aggregates, the OpenAPI document and static files.
"""

from __future__ import annotations

from flask import Flask, Response, request

PUBLIC_ENDPOINTS = frozenset({"static", "assets.vega_bundle", "pages.index", "pages.about",
                              "openapi.openapi_json", "api.text_history", "api.history_csv"})


def init_app(app: Flask) -> None:
    app.after_request(_no_store_unless_public)


def _no_store_unless_public(response: Response) -> Response:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response
