"""The interview's written answer from a request: read it, analyse it (library/interview/engine.py), store it."""

from __future__ import annotations

from flask import current_app

from library.interview.engine import written_answer_analysis
from web.platform.extensions import models, store
from web.text.input import text_from_request


def analyse_written_answer(request) -> str:
    """Read the answer from the request (field ``text`` or file ``file``), analyse and store it; its id."""
    text = text_from_request(request, current_app.config)
    analysis = written_answer_analysis(text, models().get("personality"), models().get("text_emotion"),
                                       min_words=current_app.config["TEXT_MIN_WORDS"])
    analysis.models = models().ids_for("text", analysis)
    return store().add("text", analysis).id
