"""Analyse one recording (bytes of any common audio file) into a typed, JSON-able result.

    analysis = analyse_recording(data, model, filename="answer.webm")
    analysis.to_dict()   # {"duration_s", "timeline": [{"t", "probabilities"}], "distribution", ...}

Order of checks: empty -> size -> type by content -> decode (length limit while decoding) ->
too short -> silence (no voice) -> predict. Clipping is measured on the decoded samples at
their own rate (resampling smooths flat tops) and reported, never refused.

Timeline rule: one point per second that holds at least 0.1 s of voice (silent seconds are
left out, so pauses do not count as "neutral"); ``t`` is the second's start. A clip with
voice but no such second (very short) still gets one point, at t=0, with the whole-clip
probabilities. ``distribution`` = share of timeline points whose most likely emotion is
each emotion (all 7 keys, sums to 1). ``confident`` is False when the whole-clip top
probability is below the threshold under which validation accuracy fell below 40%: the page
then says "unclear" instead of naming ``dominant``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from library.audio.decode import MB, decode_audio
from library.audio.features import SAMPLE_RATE, clipping_fraction, resample
from library.audio.stretches import blocks_transcript, covering, prepared_from_blocks, read_ahead
from library.emotions import EMOTIONS
from library.errors import UnprocessableInput
from library.results import EmotionSummary, TimelinePoint, read_timeline, unknown_keys, write_timeline

log = logging.getLogger(__name__)

MIN_VOICED_FRACTION = 0.03  # of 10-ms frames ...
MIN_VOICED_SECONDS = 0.2  # ... and at least this much voice in total
CLIPPED_FRACTION = 0.02  # >= 2% of samples at the ceiling: heavy clipping (clean speech <= 0.9%, features.py)


@dataclass
class AudioAnalysis:
    duration_s: float
    timeline: list[TimelinePoint]
    distribution: dict[str, float]
    dominant: str  # argmax of mean_probabilities
    mean_probabilities: dict[str, float]  # whole-clip predict_proba
    voiced_fraction: float
    clipping_fraction: float
    clipped: bool
    sample_rate: int = SAMPLE_RATE  # of the decoded file, before resampling to 16 kHz
    confident: bool = True  # False: the top probability is under the model's abstention threshold ("unclear")
    transcript: dict | None = None  # Transcript.to_dict() when a transcriber ran; {"text": ""...} when no words
    words: dict | None = None  # SpokenWords.to_dict(): the text channel's reading of the transcript
    models: list[dict[str, Any]] | None = None  # the files that made it (library/model_ids.py); None: older rows
    extra: dict[str, Any] = field(default_factory=dict)  # stored keys of other ages, kept as they were

    @property
    def summary(self) -> EmotionSummary:
        """What the voice shares with the face: ``distribution`` here is the share of seconds."""
        return EmotionSummary(channel="audio", duration_s=self.duration_s, timeline=self.timeline,
                              mean_probabilities=self.mean_probabilities or None,
                              share_of_time=self.distribution or None, dominant=self.dominant,
                              confident=self.confident)

    def to_dict(self) -> dict:
        return {
            "duration_s": round(self.duration_s, 3),
            "timeline": write_timeline(self.timeline, digits=4),
            "distribution": {e: round(v, 4) for e, v in self.distribution.items()},
            "dominant": self.dominant,
            "mean_probabilities": {e: round(v, 4) for e, v in self.mean_probabilities.items()},
            "voiced_fraction": round(self.voiced_fraction, 4),
            "clipping_fraction": round(self.clipping_fraction, 5),
            "clipped": self.clipped,
            "sample_rate": self.sample_rate,
            "confident": self.confident,
            **({"transcript": self.transcript} if self.transcript is not None else {}),
            **({"words": self.words} if self.words is not None else {}),
            **({"models": self.models} if self.models is not None else {}),
            **self.extra,
        }

    @classmethod
    def from_dict(cls, scores: Mapping[str, Any]) -> AudioAnalysis:
        """A stored voice row of any age (rows before calibration have no ``confident``: they were named)."""
        timeline = read_timeline(scores.get("timeline"))
        mean = scores.get("mean_probabilities") or scores.get("distribution") or {}
        return cls(duration_s=float(scores.get("duration_s") or 0.0), timeline=timeline,
                   distribution=dict(scores.get("distribution") or {}), dominant=scores.get("dominant"),
                   mean_probabilities=dict(mean), voiced_fraction=float(scores.get("voiced_fraction") or 0.0),
                   clipping_fraction=float(scores.get("clipping_fraction") or 0.0),
                   clipped=bool(scores.get("clipped", False)), sample_rate=int(scores.get("sample_rate") or SAMPLE_RATE),
                   confident=bool(scores.get("confident", True)), transcript=scores.get("transcript"),
                   words=scores.get("words"), models=scores.get("models"), extra=unknown_keys(scores, _STORED_KEYS))


_STORED_KEYS = ("duration_s", "timeline", "distribution", "dominant", "mean_probabilities", "voiced_fraction",
                "clipping_fraction", "clipped", "sample_rate", "confident", "transcript", "words", "models")


def _as_dict(p: np.ndarray) -> dict[str, float]:
    return {e: float(v) for e, v in zip(EMOTIONS, p)}


def read_words(transcript, words_reader=None) -> tuple[dict, dict | None]:
    """(transcript, words) as stored: the text channel's reading of the transcript, when there are words (of its
    English translation when the speech was in another language: the text models know English only)."""
    words = words_reader(transcript.english_text) if words_reader is not None and transcript.text else None
    return transcript.to_dict(), (words.to_dict() if words is not None else None)


def check_voice(prepared) -> None:
    """Refuse a recording without enough voice (silence or steady noise) before any reading of it."""
    voiced_s = float(prepared.voiced.sum()) * 0.01
    if prepared.voiced_fraction < MIN_VOICED_FRACTION or voiced_s < MIN_VOICED_SECONDS:
        raise UnprocessableInput("No voice was found in the recording (it is silent or only steady noise). "
                                 "Please record yourself speaking, closer to the microphone.")


def analyse_signal(signal: np.ndarray, sample_rate: int, model, transcriber=None, words_reader=None, *,
                   read: list | None = None) -> AudioAnalysis:
    """The analysis of decoded mono float samples (see ``analyse_recording``), read stretch by stretch
    (library/audio/stretches.py). With a ``transcriber`` the result carries the transcript (decoded from the
    stretches' own encoder passes), and with a ``words_reader`` (text -> SpokenWords) the text channel's reading of
    it. ``read``: the stretches already read while the recording was arriving (``VoiceBlock``s, from its start);
    only the rest is read now."""
    clip_frac = clipping_fraction(signal)
    x = resample(signal, sample_rate, SAMPLE_RATE)
    blocks = [b for b in covering(read or []) if b.end <= len(x)]
    blocks = covering(blocks)  # a stretch dropped above ends the run there: the rest is read again
    blocks += read_ahead(model, transcriber, x, blocks, final=True)
    prepared = prepared_from_blocks(x, blocks)
    check_voice(prepared)
    transcript = words = None
    if transcriber is not None and not any(b.words_failed for b in blocks):
        transcript, words = read_words(blocks_transcript(blocks), words_reader)
    return read_prepared(prepared, model, sample_rate=sample_rate, clip_frac=clip_frac, transcript=transcript,
                         words=words)


def read_prepared(prepared, model, *, sample_rate: int, clip_frac: float, transcript: dict | None = None,
                  words: dict | None = None) -> AudioAnalysis:
    """The voice's reading of a prepared (encoded, voice-checked) recording: whole answer and each second."""
    mean = model.clip_proba(prepared)
    points = model.second_probas(prepared, 1.0) or [(0.0, mean)]
    timeline = [TimelinePoint(float(t), _as_dict(p)) for t, p in points]
    counts = np.bincount([int(np.argmax(p)) for _, p in points], minlength=len(EMOTIONS))
    distribution = {e: float(c) / len(points) for e, c in zip(EMOTIONS, counts)}
    return AudioAnalysis(
        duration_s=len(prepared.signal) / SAMPLE_RATE,
        timeline=timeline,
        distribution=distribution,
        dominant=EMOTIONS[int(np.argmax(mean))],
        mean_probabilities=_as_dict(mean),
        voiced_fraction=prepared.voiced_fraction,
        clipping_fraction=clip_frac,
        clipped=clip_frac >= CLIPPED_FRACTION,
        sample_rate=int(sample_rate),
        confident=bool(model.is_confident(mean)),
        transcript=transcript,
        words=words,
    )


def analyse_recording(data: bytes, model, *, filename: str | None = None, max_bytes: int = 10 * MB,
                      max_seconds: float = 60.0, transcriber=None, words_reader=None) -> AudioAnalysis:
    """Decode ``data`` (WAV, FLAC, OGG, WebM/Opus, MP3, M4A; judged by content) and analyse it.

    ``filename`` is informational only (the content decides the type). Raises ``BadInput``
    (empty), ``PayloadTooLarge`` (over ``max_bytes`` or ``max_seconds``),
    ``UnsupportedMediaType`` (not an audio container we read), ``UnprocessableInput``
    (undecodable, shorter than 0.5 s, or no voice).
    """
    signal, sr = decode_audio(data, max_bytes=max_bytes, max_seconds=max_seconds)
    return analyse_signal(signal, sr, model, transcriber, words_reader)
