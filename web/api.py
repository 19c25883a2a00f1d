"""JSON API, version 1."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from library.history import CHANNELS, merge_word_counts, summarise_traits
from library.history.export import to_csv
from library.text import TRAITS
from web.extensions import store
from web.text import analyse_and_store

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.post("/text")
def analyse_text_api():
    analysis_id, analysis = analyse_and_store(request)
    body = {"id": analysis_id, **analysis.to_dict()}
    return jsonify(body)


@bp.get("/history/text")
def text_history():
    rows = store().scores("text")
    word_counts = [{"word_count": r["word_count"]} for r in rows if "word_count" in r]
    return jsonify({
        "channel": "text",
        "count": len(rows),
        "traits": summarise_traits((r["traits"] for r in rows if "traits" in r), TRAITS),
        "word_count": summarise_traits(word_counts, ["word_count"]).get("word_count"),
        "top_words": merge_word_counts(r.get("top_words", []) for r in rows),
    })


@bp.get("/history/<channel>.csv")
def history_csv(channel: str):
    if channel not in CHANNELS:
        abort(404, f"Unknown channel {channel!r}; one of {', '.join(CHANNELS)}.")
    return Response(
        to_csv(store().iter_channel(channel)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="esapr-{channel}-history.csv"'},
    )
