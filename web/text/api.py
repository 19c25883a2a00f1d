"""JSON API of the text channel (POST /api/v1/text), and the public aggregates of every channel
(/api/v1/history/...: no ids, no one person's words), under the blueprint "api"."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from library.stored_kinds import KINDS
from library.history.public import summary_csv, text_summary
from library.results import api_form
from library.text import TRAITS
from web.platform.extensions import earlier, min_users_for_words
from web.platform.policy import heavy_analysis, rate_limited
from web.text.pages import analyse_and_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.post("/text")
@rate_limited("analysis")
@heavy_analysis
def analyse_text_api():
    analysis_id, analysis = analyse_and_store(request)
    body = {"id": analysis_id, **api_form(analysis.to_dict())}
    return jsonify(body)


@bp.get("/history/text")
def text_history():
    """Aggregates over everyone's texts: no ids, no one person's words (library/history/public.py)."""
    return jsonify(text_summary(earlier("text"), TRAITS, min_users_for_words()))


@bp.get("/history/<channel>.csv")
def history_csv(channel: str):
    """Everyone's figures of a channel in aggregate, one row per measure; one's own rows are /api/v1/me."""
    if channel not in KINDS:
        abort(404, f"Unknown channel {channel!r}; one of {', '.join(KINDS)}.")
    return Response(summary_csv(channel, earlier(channel)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="esapr-{channel}-summary.csv"'})
