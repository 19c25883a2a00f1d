"""The interview's written answer from a request: read it, analyse it (library/interview/engine.py), store it."""

from __future__ import annotations

from library.interview.engine import written_answer_analysis
from web.platform.extensions import limits, models, store
from web.text.input import text_from_request


def analyse_written_answer(request) -> str:
    """Read the answer from the request (field ``text`` or file ``file``), analyse and store it; its id."""
    analysis = written_answer_analysis(text_from_request(request, limits()), limits(), models())
    return store().add("text", analysis).id
