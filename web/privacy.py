"""A person's own results: see them, export everything stored, delete them.

Reached from this browser's cookie (/my) or from the private link (/my/<token>) that
works on any device. The token never reaches the database (only its hash does) and
pages carrying it send no Referer (Referrer-Policy in web/security.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from library.history.owners import delete_owned, export_owned, looks_like_token, owned_analyses, owner_of
from web.extensions import store
from web.owner import request_token

bp = Blueprint("privacy", __name__, url_prefix="/my")

RESULT_ENDPOINTS = {"text": "text.result", "video": "video.result", "audio": "audio.result",
                    "interview": "interview.result"}


def _checked(token: str) -> str:
    if not looks_like_token(token):
        abort(404, "This private link is not valid. Check that it was copied whole.")
    return token


def _result_url(channel: str, analysis_id: str) -> str:
    endpoint = RESULT_ENDPOINTS[channel]
    key = "report_id" if channel == "interview" else "analysis_id"
    return url_for(endpoint, **{key: analysis_id})


@bp.get("/")
def mine():
    token = request_token(create=False)
    if token is None:
        return render_template("privacy/mine.html", token=None, rows=[], retention_days=_retention_days())
    return redirect(url_for("privacy.owned", token=token))


@bp.get("/<token>")
def owned(token: str):
    rows = [{"analysis": a, "url": _result_url(a.channel, a.id)}
            for a in owned_analyses(store(), owner_of(_checked(token)))]
    return render_template("privacy/mine.html", token=token, rows=rows, deleted=request.args.get("deleted"),
                           retention_days=_retention_days())


@bp.get("/<token>/export.json")
def export(token: str):
    body = export_owned(store(), owner_of(_checked(token)))
    response = current_app.response_class(current_app.json.dumps(body, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="esapr-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<token>/delete")
def delete_all(token: str):
    count = delete_owned(store(), owner_of(_checked(token)))
    return redirect(url_for("privacy.owned", token=token, deleted=count), code=303)


@bp.post("/<token>/delete/<analysis_id>")
def delete_one(token: str, analysis_id: str):
    count = delete_owned(store(), owner_of(_checked(token)), analysis_id)
    return redirect(url_for("privacy.owned", token=token, deleted=count), code=303)


def _retention_days() -> int:
    return current_app.config["RETENTION_DAYS"]
