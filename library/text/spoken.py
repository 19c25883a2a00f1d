"""The words of a spoken answer, read by the text channel: emotion always, Big Five when long enough.

    reading = read_spoken_words(transcript.text, emotion_model, personality_model, min_words=50)
    reading.to_dict()   # {"word_count", "emotion": {...}, "extra": {...}, "dominant", "traits" | None, ...}

A 15-s answer holds about 40 words: enough for the emotion of the words, not for personality (the
Big Five model learnt from ~650-word essays and is noise under ``min_words``), so ``traits`` is
None with ``too_short_for_traits`` set and the page says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from library.emotions import EMOTIONS
from library.text.emotion.model import EXTRA_LABELS
from library.text.emotion.reading import EmotionReading
from library.text.preprocess import count_words


@dataclass
class SpokenWords:
    word_count: int
    emotion: dict[str, float]  # EMOTIONS order; surprise and neutral always 0 (ISEAR has neither)
    extra: dict[str, float]  # ISEAR's shame and guilt: the mass missing from ``emotion``
    traits: dict[str, float] | None  # Big Five probabilities of "high", or None when too short
    min_words_for_traits: int
    # What the page says of the words, as for a written answer: the top reading, "unclear" below the measured
    # confidence or "neutral", and the words that pushed it (library/text/emotion/reading.py). None: a model
    # without ``read``.
    reading: EmotionReading | None = None

    @property
    def dominant(self) -> str:
        return max(self.emotion, key=self.emotion.get)

    @property
    def too_short_for_traits(self) -> bool:
        return self.traits is None

    def to_dict(self) -> dict:
        return {"word_count": self.word_count, "emotion": {e: round(v, 4) for e, v in self.emotion.items()},
                "extra": {e: round(v, 4) for e, v in self.extra.items()}, "dominant": self.dominant,
                "traits": None if self.traits is None else {t: round(v, 4) for t, v in self.traits.items()},
                "too_short_for_traits": self.too_short_for_traits, "min_words_for_traits": self.min_words_for_traits,
                **({"reading": self.reading.to_dict()} if self.reading is not None else {})}


def read_spoken_words(text: str, emotion_model, personality_model=None, min_words: int = 50) -> SpokenWords | None:
    """None when there are no words to read (silence, or nothing recognised)."""
    if not isinstance(text, str) or not text.strip():
        return None
    n = count_words(text)
    p = emotion_model.predict_proba([text])[0]
    extra = emotion_model.predict_extra([text])[0]
    traits = None
    if personality_model is not None and n >= min_words:
        traits = {t: float(v) for t, v in zip(personality_model.traits, personality_model.predict_proba([text])[0])}
    reading = emotion_model.read(text) if hasattr(emotion_model, "read") else None
    return SpokenWords(n, {e: float(v) for e, v in zip(EMOTIONS, p)},
                       {e: float(v) for e, v in zip(EXTRA_LABELS, extra)}, traits, min_words, reading)


def spoken_words_reader(models, min_words: int):
    """text -> SpokenWords with the text models of ``models`` (a ModelCache: loaded on first use), for transcripts."""

    def read(text: str):
        return read_spoken_words(text, models.get("text_emotion"), models.get("personality"), min_words)

    return read
