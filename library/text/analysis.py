"""One text in, one typed result out: trait probabilities, word count, top words and (given an
emotion model) the emotion of the words with the words that pushed it (emotion/reading.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from library.errors import BadInput, UnprocessableInput
from library.results import unknown_keys
from library.text.emotion.reading import EmotionReading
from library.text.preprocess import content_words, count_words


_KEYS = ("traits", "word_count", "top_words", "emotion_reading", "emotion", "models")


@dataclass
class TextAnalysis:
    """The stored text analysis (a text on its own, an interview's written answer, a text in a batch)."""

    traits: dict[str, float]  # trait -> probability of "high", TRAITS order
    word_count: int  # words in the raw text
    top_words: list[tuple[str, int]] = field(default_factory=list)  # (lemma, count), most frequent first
    emotion_reading: EmotionReading | None = None  # only when analyse_text was given an emotion model
    # The probabilities the interview's fusion takes (library/interview/engine.fusion_emotion): written answers
    # and batch texts; stored as "emotion"
    fusion_emotion: dict | None = None
    models: list[dict] | None = None  # the files that made it (library/model_ids.py); None: older rows
    extra: dict = field(default_factory=dict)  # stored keys of other ages, kept as they were

    def to_dict(self) -> dict:
        out = {"traits": self.traits, "word_count": self.word_count,
               "top_words": [[w, c] for w, c in self.top_words]}  # JSON has no tuples
        if self.emotion_reading is not None:  # absent, not null, when no emotion model ran (rows as before)
            out["emotion_reading"] = self.emotion_reading.to_dict()
        if self.fusion_emotion is not None:
            out["emotion"] = self.fusion_emotion
        if self.models is not None:
            out["models"] = self.models
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, scores: Mapping) -> TextAnalysis:
        reading = scores.get("emotion_reading")
        return cls(traits=dict(scores.get("traits") or {}), word_count=int(scores.get("word_count") or 0),
                   top_words=[(w, int(c)) for w, c in scores.get("top_words") or []],
                   emotion_reading=EmotionReading.from_dict(reading) if reading else None,
                   fusion_emotion=scores.get("emotion"), models=scores.get("models"), extra=unknown_keys(scores, _KEYS))


def analyse_text(text: str, model, min_words: int = 50, top_n: int = 15, emotion_model=None) -> TextAnalysis:
    """Analyse one text with a loaded PersonalityModel (and a TextEmotionModel, if given).

    Raises BadInput for a non-string/empty text and UnprocessableInput when the text
    has fewer than ``min_words`` words (the model was trained on ~650-word essays;
    below ~50 words its output is noise).
    """
    if not isinstance(text, str) or not text.strip():
        raise BadInput("Please give some text to analyse.")
    n_words = count_words(text)
    if n_words < min_words:
        raise UnprocessableInput(f"Please give at least {min_words} words; this text has {n_words}.")
    proba = model.predict_proba([text])[0]
    traits = {trait: round(float(p), 4) for trait, p in zip(model.traits, proba)}
    # Ties broken alphabetically so the list is stable for the same text.
    counts = Counter(content_words(text))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]
    reading = emotion_model.read(text) if emotion_model is not None else None
    return TextAnalysis(traits=traits, word_count=n_words, top_words=top, emotion_reading=reading)
