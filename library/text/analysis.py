"""One text in, one typed result out: trait probabilities, word count, top words and (given an
emotion model) the emotion of the words with the words that pushed it (emotion_reading.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from library.errors import BadInput, UnprocessableInput
from library.text.emotion.reading import EmotionReading
from library.text.preprocess import content_words, count_words


@dataclass
class TextAnalysis:
    traits: dict[str, float]  # trait -> probability of "high", TRAITS order
    word_count: int  # words in the raw text
    top_words: list[tuple[str, int]] = field(default_factory=list)  # (lemma, count), most frequent first
    emotion_reading: EmotionReading | None = None  # only when analyse_text was given an emotion model

    def to_dict(self) -> dict:
        out = asdict(self)
        out["top_words"] = [[w, c] for w, c in self.top_words]  # JSON has no tuples
        if self.emotion_reading is None:
            out.pop("emotion_reading")  # stored rows and API bodies as before
        else:
            out["emotion_reading"] = self.emotion_reading.to_dict()
        return out


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
