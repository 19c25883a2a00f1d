"""Words from speech: transcribe a spoken answer offline with Whisper tiny.en (CTranslate2).

    from library.audio import Transcriber
    t = Transcriber.load()                              # the packaged model, never a hub
    transcript = t.transcribe(signal, sample_rate)      # Transcript(text, segments, language, confident)
    transcript = t.transcribe(signal16k, 16000, encoded=encoder.encode(signal16k))  # decode a pass already made

The decoding loop is faster-whisper's (timestamps, temperature fallback, no-speech detection);
this module adds the contract, the sharing of the encoder pass the voice model already made,
and an honest ``confident`` flag: tiny.en knows English only, and on another language, music or
mumbling it still prints words, so the flag says when its own probabilities do not back them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from library.audio.encoder import EncodedAudio, WhisperEncoder
from library.audio.features import prepare_signal

# A segment is trusted when the model's mean token log-probability is above this and its
# no-speech probability below NO_SPEECH; measured on RAVDESS (English) against EmoDB (German)
# clips in docs/decisions.md.
MIN_AVG_LOGPROB = -0.8
NO_SPEECH = 0.5


@dataclass
class TranscriptSegment:
    start: float  # seconds
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0

    def to_dict(self) -> dict:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


@dataclass
class Transcript:
    text: str
    segments: list[TranscriptSegment] = field(default_factory=list)
    language: str = "en"
    confident: bool = False  # the model's own probabilities back the words (English speech)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def to_dict(self) -> dict:
        return {"text": self.text, "segments": [s.to_dict() for s in self.segments], "language": self.language,
                "confident": self.confident}

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        return cls(str(d.get("text", "")), [TranscriptSegment(float(s["start"]), float(s["end"]), str(s["text"]))
                                             for s in d.get("segments", [])],
                   str(d.get("language", "en")), bool(d.get("confident", False)))


class Transcriber:
    """English speech to text with timestamps, on the same Whisper weights as the voice model."""

    def __init__(self, encoder: WhisperEncoder, beam_size: int = 1):
        self.encoder = encoder
        self.beam_size = beam_size
        self._first_window = threading.local()
        whisper = encoder.whisper
        original = whisper.generate_segments

        # faster-whisper encodes the first 30-s window itself; when the voice model has already
        # encoded it, hand that output in instead of a second pass (its own argument for this).
        def generate_segments(features, tokenizer, options, log_progress=False, encoder_output=None):
            shared = getattr(self._first_window, "value", None)
            return original(features, tokenizer, options, log_progress,
                            shared if shared is not None else encoder_output)

        whisper.generate_segments = generate_segments

    @classmethod
    def load(cls, *, encoder: WhisperEncoder | None = None, threads: int = 1, beam_size: int = 1) -> "Transcriber":
        return cls(encoder or WhisperEncoder.load(threads=threads), beam_size)

    def transcribe(self, signal, sample_rate: int, *, encoded: EncodedAudio | None = None) -> Transcript:
        x = prepare_signal(signal, sample_rate)  # checked, mono, 16 kHz (a no-op resample at 16 kHz)
        self._first_window.value = encoded.chunks[0] if encoded is not None and encoded.chunks else None
        try:
            with self.encoder._lock:
                segments, _info = self.encoder.whisper.transcribe(
                    x, language="en", beam_size=self.beam_size, condition_on_previous_text=False,
                    without_timestamps=False, vad_filter=False)
                found = [TranscriptSegment(float(s.start), float(s.end), s.text.strip(), float(s.avg_logprob),
                                           float(s.no_speech_prob)) for s in segments]
        finally:
            self._first_window.value = None
        return joined_transcript(found)


def joined_transcript(found: list[TranscriptSegment]) -> Transcript:
    """The transcript of decoded segments in order (of one pass, or of a recording read stretch by stretch)."""
    # Whisper's own rule for silence: drop a segment it thinks holds no speech *and* doubts
    found = [s for s in found if s.text and not (s.no_speech_prob > NO_SPEECH and s.avg_logprob < MIN_AVG_LOGPROB)]
    text = " ".join(s.text for s in found).strip()
    confident = bool(text) and all(s.avg_logprob > MIN_AVG_LOGPROB for s in found)
    return Transcript(text, found, "en", confident)
