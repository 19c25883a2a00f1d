"""The interview's written answer: Big Five AND text emotion, so the words speak the face's language.

The standalone text channel stores Big Five only; here the same stored text row also gets
``emotion``: ``{"probabilities": {emotion: p}, "extra": {"shame": p, "guilt": p}}`` from
``TextEmotionModel`` (probabilities not renormalised: they sum to 1 - shame - guilt, as the
fusion expects). The text itself is analysed in memory and never stored.
"""

from __future__ import annotations

from flask import current_app

from library.emotions import EMOTIONS
from library.text import analyse_text
from library.text.emotion import EXTRA_LABELS
from web.extensions import models, store
from web.text_input import text_from_request

def text_emotion(text: str) -> dict:
    model = models().get("text_emotion")
    row = model.predict_proba(text)[0]
    extra = model.predict_extra(text)[0]
    return {"probabilities": {e: round(float(p), 4) for e, p in zip(EMOTIONS, row)},
            "extra": {label: round(float(p), 4) for label, p in zip(EXTRA_LABELS, extra)}}


def analyse_written_answer(request) -> str:
    """Read the answer from the request (field ``text`` or file ``file``), analyse and store it; its id."""
    text = text_from_request(request, current_app.config)
    analysis = analyse_text(text, models().get("personality"), min_words=current_app.config["TEXT_MIN_WORDS"])
    scores = {**analysis.to_dict(), "emotion": text_emotion(text)}
    return store().add("text", scores).id
