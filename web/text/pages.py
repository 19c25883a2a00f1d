"""Text channel pages: the form and the dashboard of one result."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from library.errors import InputError
from library.history.text_compare import compare_text
from library.text import TRAITS, TextAnalysis
from library.text.written import analyse_written
from web.platform.extensions import earlier, limits, min_users_for_words, models, owned_or_404, store
from web.platform.policy import heavy_analysis, rate_limited
from web.text.input import text_from_request
from web.wording import lean, lean_key, ordinal_percentile

bp = Blueprint("text", __name__, url_prefix="/text")


def analyse_and_store(req) -> tuple[str, TextAnalysis]:
    """Shared by the page's no-JavaScript form and the JSON API; returns the new id and the analysis."""
    analysis = analyse_written(text_from_request(req, limits()), limits(), models())
    return store().add("text", analysis).id, analysis


@bp.get("/")
def form():
    return render_template("text/form.html", min_words=current_app.config["TEXT_MIN_WORDS"])


@bp.post("/")
@rate_limited("analysis")
@heavy_analysis
def submit():
    """The form without JavaScript: a refused text comes back in the form with the reason above it
    (an error page lost what was typed)."""
    try:
        analysis_id, _ = analyse_and_store(request)
    except InputError as exc:
        return render_template("text/form.html", min_words=current_app.config["TEXT_MIN_WORDS"],
                               error=exc.message, typed=request.form.get("text", "")), exc.status
    return redirect(url_for("text.result", analysis_id=analysis_id), code=303)


@bp.get("/result/<analysis_id>")
@rate_limited("pages")
def result(analysis_id: str):
    from web import charts  # Altair and pandas load on the first dashboard, not at start-up

    stored = owned_or_404("text", analysis_id, "text analysis")
    analysis = stored.result
    view = compare_text(analysis, earlier("text", stored.seq), TRAITS, min_users_for_words())
    view["words_min_users"] = min_users_for_words()
    view["lean_key"] = lean_key()
    for item in view["traits"]:
        item["lean"] = lean(item["probability"])
        item["percentile_words"] = ordinal_percentile(item["percentile"], view["n_earlier"], item.get("tied"))
    specs = {"traits": charts.trait_chart(view["traits"]),
             **charts.words_charts(view["top_words"], view["everyone_top_words"])}
    return render_template("text/result.html", analysis=stored, result=analysis, view=view, specs=specs)
