"""Audio channel pages: the recording page and the dashboard of one result."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from library.emotions import EMOTIONS
from library.history.emotion_compare import compare_emotions
from web.platform.extensions import earlier, owned_or_404
from web.platform.models import shipped_val_accuracy
from web.platform.policy import rate_limited

bp = Blueprint("audio", __name__, url_prefix="/audio")


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
    scores = stored.scores
    view = compare_emotions(scores, earlier("audio", stored.seq), EMOTIONS)
    specs = {
        # The axis runs to the recording's end: each point reads a window of sound around it, so the
        # line stops a little before (the page says so).
        "timeline": charts.emotion_timeline_chart(scores["timeline"], EMOTIONS, (0.0, _end_s(scores))),
        "distribution": charts.distribution_chart(scores["distribution"], view["earlier_mean"], EMOTIONS,
                                                  measure="Share of seconds"),
    }
    return render_template("audio/result.html", analysis=stored, scores=scores, view=view, specs=specs,
                           model_accuracy=shipped_val_accuracy("audio", current_app.config["MODELS_DIR"]))


def _end_s(scores: dict) -> float:
    return max([float(scores.get("duration_s") or 0)] + [float(p["t"]) for p in scores["timeline"]]) or 1.0
