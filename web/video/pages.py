"""Video channel pages: the capture page and the dashboard of one result."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from library.emotions import EMOTIONS
from library.history.emotion_compare import compare_emotions
from library.results import read_timeline
from web.platform.extensions import earlier, owned_or_404
from web.platform.models import shipped_val_accuracy
from web.platform.policy import rate_limited
from web.wording import ordinal_percentile

bp = Blueprint("video", __name__, url_prefix="/video")


@bp.get("/")
def capture():
    config = current_app.config
    return render_template(
        "video/capture.html",
        duration_s=config["VIDEO_DURATION_S"], fps=config["VIDEO_FPS"], emotions=EMOTIONS,
        max_video_mb=config["VIDEO_MAX_MB"], max_video_s=config["VIDEO_MAX_SECONDS"],
        question=config["VIDEO_QUESTION"],
    )


@bp.get("/result/<analysis_id>")
@rate_limited("pages")
def result(analysis_id: str):
    from web import charts  # Altair and pandas load on the first dashboard, not at start-up

    stored = owned_or_404("video", analysis_id, "video analysis")
    result = stored.result
    view = compare_emotions(result, earlier("video", stored.seq), EMOTIONS)
    specs = {}
    # Face, voice and words of the one answer on the same seconds (the voice and words from its sound).
    voice, transcript = result.voice or {}, result.transcript or {}
    seconds = max(result.duration_s, voice.get("duration_s") or 0)
    specs.update(charts.answer_timeline_charts(result.timeline, read_timeline(voice.get("timeline")),
                                               transcript.get("segments"), seconds, EMOTIONS))
    if result.mean_probabilities:
        specs["distribution"] = charts.distribution_chart(result.mean_probabilities, view["earlier_mean"], EMOTIONS)
    if result.blinks_per_minute is not None and view["n_earlier_blinks"]:
        specs["blinks"] = charts.value_among_others_chart(
            result.blinks_per_minute, view["earlier_blink_histogram"], "Blinks per minute")
    if result.gradcam:
        specs["gradcam"] = charts.gradcam_chart(result.gradcam)
    view["blink_words"] = ordinal_percentile(view["blink_percentile"], view["n_earlier_blinks"], view.get("blink_tied"))
    return render_template("video/result.html", analysis=stored, result=result, view=view, specs=specs,
                           model_accuracy=shipped_val_accuracy("video", current_app.config["MODELS_DIR"]))
