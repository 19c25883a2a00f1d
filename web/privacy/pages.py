"""A person's own results: see them, export everything stored, delete them.

Reached from this browser's cookie (/my) or from the private link (/my/<token>) that
works on any device. The token never reaches the database (only its hash does), pages
carrying it send no Referer (Referrer-Policy in web/platform/security.py), are never cached
(Cache-Control in web/private_pages.py) and the access log shows it redacted (web/platform/log_redaction.py).

Through the private link a result opens at /my/<token>/result/<id>: the request acts for
the link's token (``act_for``) without putting it into this browser's cookie, so a link
someone sends you cannot make your next results theirs.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for

from library.stored_kinds import KINDS
from library.history.export import to_csv
from library.history.owners import delete_owned, export_owned, looks_like_token, owned_analyses, owner_of
from web.text import pages as text
from web.audio import pages as audio
from web.interview import pages as interview
from web.video import pages as video
from web.platform.extensions import store
from web.platform.owner import act_for, link_token, request_token
from web.platform.policy import rate_limited
from web.wording import describe_result

bp = Blueprint("privacy", __name__, url_prefix="/my")

RESULT_VIEWS = {"text": text.result, "video": video.result, "audio": audio.result, "interview": interview.result}
RESULT_ENDPOINTS = {"text": "text.result", "video": "video.result", "audio": "audio.result",
                    "interview": "interview.result"}
DOWNLOAD_VIEWS = {"html": interview.download_html, "json": interview.download_json}


def _checked(token: str) -> str:
    if not looks_like_token(token):
        abort(404, "This private link is not valid. Check that it was copied whole.")
    return token


@bp.app_template_global()
def result_url(channel: str, analysis_id: str) -> str:
    """Where one's own result opens: through the private link when the page was reached by it
    (that device may hold no cookie), else the plain page, which the cookie or token opens."""
    token = link_token()
    if token:
        return url_for("privacy.result", token=token, analysis_id=analysis_id)
    key = "report_id" if channel == "interview" else "analysis_id"
    return url_for(RESULT_ENDPOINTS[channel], **{key: analysis_id})


@bp.app_template_global()
def report_download_url(kind: str, report_id: str) -> str:
    token = link_token()
    if token:
        return url_for("privacy.report_download", token=token, analysis_id=report_id, kind=kind)
    return url_for(f"interview.download_{kind}", report_id=report_id)


@bp.app_template_global()
def my_history_csv_url(channel: str) -> str | None:
    """One's own rows of a channel as CSV, or None when this request has no token."""
    token = request_token(create=False)
    return url_for("privacy.history_csv", token=token, channel=channel) if token else None


@bp.get("/")
def mine():
    token = request_token(create=False)
    if token is None:
        return render_template("privacy/mine.html", token=None, rows=[], retention_days=_retention_days())
    return redirect(url_for("privacy.owned", token=token))


@bp.get("/<token>")
def owned(token: str):
    act_for(_checked(token))
    rows = [{"analysis": a, "url": result_url(a.channel, a.id), "what": describe_result(a.channel, a.result)}
            for a in owned_analyses(store(), owner_of(token))]
    return render_template("privacy/mine.html", token=token, rows=rows, deleted=request.args.get("deleted"),
                           retention_days=_retention_days(), channels=KINDS, groups=interview.my_groups(rows))


@bp.get("/<token>/result/<analysis_id>")
@rate_limited("pages")
def result(token: str, analysis_id: str):
    act_for(_checked(token))
    stored = store().get_owned(analysis_id)
    if stored is None:
        abort(404, "You have no result with this id.")
    return RESULT_VIEWS[stored.channel](analysis_id)


@bp.get("/<token>/result/<analysis_id>.html", defaults={"kind": "html"})
@bp.get("/<token>/result/<analysis_id>.json", defaults={"kind": "json"})
@rate_limited("pages")
def report_download(token: str, analysis_id: str, kind: str):
    act_for(_checked(token))
    return DOWNLOAD_VIEWS[kind](analysis_id)


@bp.get("/<token>/history/<channel>.csv")
def history_csv(token: str, channel: str):
    """Every figure of one's own analyses of a channel, one row each (the public CSV has aggregates only)."""
    if channel not in KINDS:
        abort(404, f"Unknown channel {channel!r}; one of {', '.join(KINDS)}.")
    rows = owned_analyses(store(), owner_of(_checked(token)), channel)
    return Response(to_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="esapr-my-{channel}.csv"'})


@bp.get("/<token>/export.json")
def export(token: str):
    body = export_owned(store(), owner_of(_checked(token)))
    response = current_app.response_class(current_app.json.dumps(body, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="esapr-my-data.json"'
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
