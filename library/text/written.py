"""A text read whole, the one way: the web's text API and form, the interview's written answer and the batch.

    text = text_of_upload(data, "essay.pdf", limits)   # a .txt or PDF's text, within the limits
    analysis = analyse_written(text, limits, models)   # -> TextAnalysis, its models named

``limits``: library/limits.py (the PDF child's pages, time and memory; the characters and words a text may have).
"""

from __future__ import annotations

from library.errors import PayloadTooLarge
from library.limits import Limits
from library.text.analysis import TextAnalysis, analyse_text
from library.text.upload import read_text_upload


def within_limit(text: str, limits: Limits) -> str:
    """``text``, or ``PayloadTooLarge`` when it is longer than the configured characters."""
    limit = limits.text.max_chars
    if len(text) > limit:
        raise PayloadTooLarge(f"The text is too long ({len(text):,} characters; the limit is {limit:,}).")
    return text


def text_of_upload(data: bytes, filename: str | None, limits: Limits) -> str:
    """The text of an uploaded file (plain text or a PDF, by content), within the limits."""
    return within_limit(read_text_upload(data, filename, pdf_limits=limits.text.pdf), limits)


def analyse_written(text: str, limits: Limits, models) -> TextAnalysis:
    """One text's Big Five, top words and emotion reading (``UnprocessableInput`` when it is too short).
    ``models``: a ModelCache (library/registry.py)."""
    analysis = analyse_text(text, models.get("personality"), min_words=limits.text.min_words,
                            emotion_model=models.get("text_emotion"))
    analysis.models = models.ids_for("text", analysis)
    return analysis
