"""The interview's words channel: the written answer and what was said in the video and voice answers,
each read by the text-emotion model, pooled into one reading weighted by how far each can be trusted.

    reading = pool_words([WordsSource("text", written_row, 120),
                          WordsSource("video", video_words_row, 95, confident=True)], text_accuracy=0.61)
    reading.probabilities, reading.reliability, reading.weights, reading.notes

Every source is a row of ``TextEmotionModel`` probabilities as given (summing to 1 - shame - guilt;
surprise and neutral 0), so the pooled row keeps that meaning and ``fuse`` reads it like a written one.

Reliability of a source, from measured figures only:

- written: the text model's measured accuracy (``Models/text/emotion.json``, cross-validated on ISEAR);
- spoken: that accuracy times the share of words the recogniser gets right, ``1 - SPOKEN_WORD_ERROR``
  (the word error rate measured by ``benchmarks/transcripts.py`` on speakers Whisper was
  not tuned on: RAVDESS actors 17-20 and TESS, pooled; docs/decisions.md). A wrong word can only
  lower what the text model reads, so this is the most a transcript can be worth, not a guess above it.
- a transcript the recogniser itself doubts (``confident`` False: another language, noise,
  mumbling) is left out, and said so: its words are guesses.

Weights follow ``fusion.channel_weight`` (accuracy above chance), so two sources weigh against each
other as two channels do; the pooled reliability handed to ``fuse`` is the weight-averaged
reliability of the sources used (pooling answers of one person to different questions is not
pooling independent judges, so no gain is claimed for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from library.emotions import EMOTIONS
from library.interview.fusion import channel_weight
from library.interview.percent import whole_percents
from library.registry import CHANNELS, SPOKEN_CHANNELS

# Word error rate of the shipped recogniser (Whisper base) on unseen English speakers: 0.003 on RAVDESS actors 17-20
# and 0.054 on TESS's single words (60 clips each, benchmarks/reports/2026-12-03-ccc06a9-audio-transcripts.md),
# rounded up to the worse.
SPOKEN_WORD_ERROR = 0.06
SPOKEN_STEPS = SPOKEN_CHANNELS  # the answers whose sound is transcribed
SOURCE_WORDS = {name: f"what you said in the {c.answer}" if c.spoken else f"your {c.answer}"
                for name, c in CHANNELS.items()}


@dataclass
class WordsSource:
    step: str  # "text" (the written answer) or a spoken step ("video", "audio")
    probabilities: dict[str, float]  # TextEmotionModel's row as given, EMOTIONS keys
    word_count: int
    confident: bool = True  # spoken: the recogniser's own flag; written: always True

    @property
    def spoken(self) -> bool:
        return self.step in SPOKEN_STEPS

    def reliability(self, text_accuracy: float) -> float:
        return text_accuracy * (1.0 - SPOKEN_WORD_ERROR) if self.spoken else text_accuracy

    def to_dict(self) -> dict:
        return {"step": self.step, "probabilities": {e: round(float(self.probabilities.get(e, 0.0)), 4)
                                                      for e in EMOTIONS},
                "word_count": int(self.word_count), "confident": bool(self.confident)}

    @classmethod
    def from_dict(cls, d: dict) -> "WordsSource":
        return cls(str(d["step"]), {e: float(v) for e, v in d["probabilities"].items()}, int(d.get("word_count", 0)),
                   bool(d.get("confident", True)))


@dataclass
class WordsReading:
    probabilities: dict[str, float] | None  # pooled row; None when no source could be used
    reliability: float | None  # weight-averaged reliability of the sources used
    weights: dict[str, float]  # step -> share of the words channel (sums to 1 over the sources used)
    sources: list[WordsSource]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"probabilities": None if self.probabilities is None else
                {e: round(v, 4) for e, v in self.probabilities.items()},
                "reliability": None if self.reliability is None else round(self.reliability, 4),
                "weights": {s: round(w, 4) for s, w in self.weights.items()},
                "sources": [s.to_dict() for s in self.sources], "notes": list(self.notes)}


def spoken_source(step: str, result) -> WordsSource | None:
    """The words of a video or voice analysis (``VideoAnalysis``/``AudioAnalysis``: its ``transcript`` and
    ``words``), or None."""
    words, transcript = result.words, result.transcript or {}
    if not words or not words.get("emotion"):
        return None
    return WordsSource(step, dict(words["emotion"]), int(words.get("word_count", 0)),
                       bool(transcript.get("confident", False)))


def pool_words(sources: Sequence[WordsSource], text_accuracy: float) -> WordsReading:
    """Pool the sources' rows, weighted by ``channel_weight`` of each one's reliability (module doc)."""
    notes, used = [], []
    for source in sources:
        if source.spoken and not source.confident:
            notes.append(f"The words of {SOURCE_WORDS.get(source.step, source.step)} were left out: the speech "
                         "recogniser was unsure of them (a noisy room, mumbling, or a language it knows little of).")
        else:
            used.append(source)
    weights = {s.step: channel_weight(s.reliability(text_accuracy)) for s in used}
    total = sum(weights.values())
    if not used or total <= 0:
        return WordsReading(None, None, {}, list(sources), notes)
    shares = {step: w / total for step, w in weights.items()}
    pooled = {e: sum(shares[s.step] * float(s.probabilities.get(e, 0.0)) for s in used) for e in EMOTIONS}
    reliability = sum(shares[s.step] * s.reliability(text_accuracy) for s in used)
    if len(used) > 1:
        percents = whole_percents(shares)  # the same figures as the report's cards, adding up to 100
        notes.append("The words combine " + " and ".join(
            f"{SOURCE_WORDS.get(s.step, s.step)} ({percents[s.step]}%)" for s in used) + ".")
    return WordsReading(pooled, reliability, shares, list(sources), notes)
