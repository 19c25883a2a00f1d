"""Audio channel pages: the recording page and the dashboard of one result."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from library.audio.languages import language_name
from library.emotions import EMOTIONS
from library.history.emotion_compare import compare_emotions
from web.platform.extensions import earlier, owned_or_404
from web.platform.models import shipped_val_accuracy
from web.platform.policy import rate_limited

bp = Blueprint("audio", __name__, url_prefix="/audio")
bp.add_app_template_filter(language_name, "language_name")  # a transcript's language, on every page that shows one


@bp.get("/")
def capture():
    config = current_app.config
    return render_template(
        "audio/capture.html", duration_s=config["AUDIO_DURATION_S"], question=config["AUDIO_QUESTION"],
        max_mb=config["AUDIO_MAX_MB"], max_seconds=config["AUDIO_MAX_SECONDS"],
    )


@bp.get("/result/<analysis_id>")
@rate_limited("pages")
def result(analysis_id: str):
    from web import charts  # Altair and pandas load on the first dashboard, not at start-up

    stored = owned_or_404("audio", analysis_id, "audio analysis")
    result = stored.result
    summary = result.summary
    view = compare_emotions(result, earlier("audio", stored.seq), EMOTIONS)
    specs = {
        # The axis runs to the recording's end: each point reads a window of sound around it, so the
        # line stops a little before (the page says so).
        "timeline": charts.emotion_timeline_chart(summary.timeline, EMOTIONS, (0.0, _end_s(summary))),
        # everyone's figure for the voice is the share of seconds too (library/history/figures.py)
        "distribution": charts.distribution_chart(summary.share_of_time, view["earlier_mean"], EMOTIONS,
                                                  measure="Share of seconds"),
    }
    return render_template("audio/result.html", analysis=stored, result=result, view=view, specs=specs,
                           model_accuracy=shipped_val_accuracy("audio", current_app.config["MODELS_DIR"]))


def _end_s(summary) -> float:
    return max([summary.duration_s] + [p.t for p in summary.timeline]) or 1.0
