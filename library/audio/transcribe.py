"""Words from speech: transcribe a spoken answer offline with Whisper (CTranslate2), in the language spoken.

    from library.audio import Transcriber
    t = Transcriber.load()                              # multilingual Whisper base from its packages, never a hub
    transcript = t.transcribe(signal, sample_rate)      # Transcript(text, segments, language, confident, translation)
    transcript.english_text                             # what the English words models read
    transcript = t.transcribe(signal16k, 16000, encoded=encoder.encode(signal16k))  # decode a pass already made

The decoding loop is faster-whisper's (timestamps, temperature fallback, no-speech detection); this module adds the
contract, the sharing of the encoder pass the voice model already made, the language (detected from that same
pass, one decoder step), an English translation by Whisper's own translate task when the speech is not English,
and an honest ``confident`` flag: on music or mumbling Whisper still prints words, so the flag says when its own
probabilities do not back them. With an English-only encoder (tiny.en) the language is always "en" as before.
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
# Greedy decoding only, no fallback to sampling at higher temperatures: on a 15-s German answer the fallback decoded
# each stretch up to six times (9.4 s on one core against 2.5 s for English); one pass keeps the time bounded, and a
# stretch Whisper doubts is shown as not confident instead of being re-rolled (docs/decisions.md, "Voice v3").
TEMPERATURES = (0.0,)


ENGLISH = "en"


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
    text: str  # in the language spoken
    segments: list[TranscriptSegment] = field(default_factory=list)
    language: str = ENGLISH  # ISO 639-1 code Whisper detected ("en", "de", ...)
    confident: bool = False  # the model's own probabilities back the words
    translation: str | None = None  # English, by Whisper's translate task; None when the speech is English
    translation_segments: list[TranscriptSegment] = field(default_factory=list)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    @property
    def english_text(self) -> str:
        """The words the English-only text models read: the translation when the speech was not English."""
        return self.text if self.translation is None else self.translation

    def to_dict(self) -> dict:
        d = {"text": self.text, "segments": [s.to_dict() for s in self.segments], "language": self.language,
             "confident": self.confident}
        if self.translation is not None:  # an English answer keeps the shape it always had
            d["translation"] = {"text": self.translation, "language": ENGLISH, "translated": True,
                                "segments": [s.to_dict() for s in self.translation_segments]}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Transcript":
        translation = d.get("translation") or None
        return cls(str(d.get("text", "")), _segments(d.get("segments", [])), str(d.get("language", ENGLISH)),
                   bool(d.get("confident", False)),
                   str(translation["text"]) if translation else None,
                   _segments(translation.get("segments", [])) if translation else [])


def _segments(items: list[dict]) -> list[TranscriptSegment]:
    return [TranscriptSegment(float(s["start"]), float(s["end"]), str(s["text"])) for s in items]


@dataclass
class Decoded:
    """One pass's words: the segments in the language spoken, and their English translation when it is not English."""

    segments: list[TranscriptSegment]
    language: str = ENGLISH
    language_probability: float = 1.0
    translated: list[TranscriptSegment] = field(default_factory=list)


class Transcriber:
    """Speech to text with timestamps, in the language spoken, on the same Whisper weights as the voice model."""

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
    def load(cls, *, encoder: WhisperEncoder | None = None, threads: int = 1, beam_size: int = 1,
             name: str = "base") -> "Transcriber":
        """The transcriber of an encoder already loaded (the voice model's), or of the packaged Whisper ``name``
        (multilingual base by default)."""
        return cls(encoder or WhisperEncoder.load(name=name, threads=threads), beam_size)

    def transcribe(self, signal, sample_rate: int, *, encoded: EncodedAudio | None = None) -> Transcript:
        decoded = self.decode(prepare_signal(signal, sample_rate), encoded)
        return joined_transcript([decoded])

    def decode(self, x16k: np.ndarray, encoded: EncodedAudio | None = None) -> Decoded:
        """The words of a checked 16-kHz signal; ``encoded``: its encoder pass, already made, to decode from."""
        first = encoded.chunks[0] if encoded is not None and encoded.chunks else None
        with self.encoder._lock:
            if first is None:
                first = self._first_window_of(x16k)
            language, probability = self._language(first)
            self._first_window.value = first
            try:
                segments = self._run(x16k, language, "transcribe")
                translated = self._run(x16k, language, "translate") if language != ENGLISH and segments else []
            finally:
                self._first_window.value = None
        return Decoded(segments, language, probability, translated)

    def _first_window_of(self, x16k: np.ndarray):
        """The encoder output of the first 30-s window exactly as faster-whisper's own loop makes it (its log-mel
        padded after the mel, not the sound), so a transcript without a shared pass reads as faster-whisper's."""
        from faster_whisper.audio import pad_or_trim

        features = self.encoder.whisper.feature_extractor(x16k)
        content = features.shape[-1] - 1
        return self.encoder.whisper.encode(pad_or_trim(features[:, :min(3000, content)]))

    def _language(self, first_window) -> tuple[str, float]:
        """Whisper's language of the first window, from its encoder output (one decoder step); "en" for tiny.en."""
        if not self.encoder.multilingual:
            return ENGLISH, 1.0
        token, probability = self.encoder.model.detect_language(first_window)[0][0]
        return token.strip("<|>"), float(probability)

    def _run(self, x16k: np.ndarray, language: str, task: str) -> list[TranscriptSegment]:
        segments, _info = self.encoder.whisper.transcribe(
            x16k, language=language, task=task, beam_size=self.beam_size, condition_on_previous_text=False,
            without_timestamps=False, vad_filter=False, temperature=TEMPERATURES)
        return [TranscriptSegment(float(s.start), float(s.end), s.text.strip(), float(s.avg_logprob),
                                  float(s.no_speech_prob)) for s in segments]


def _kept(found: list[TranscriptSegment]) -> list[TranscriptSegment]:
    # Whisper's own rule for silence: drop a segment it thinks holds no speech *and* doubts
    return [s for s in found if s.text and not (s.no_speech_prob > NO_SPEECH and s.avg_logprob < MIN_AVG_LOGPROB)]


def joined_transcript(passes: list[Decoded]) -> Transcript:
    """The transcript of decoded passes in order (one pass, or a recording read stretch by stretch). Its language is
    the one most of the speech was in; where any of it was not English, the translation holds every pass in English
    (the translated words, or the words themselves for a pass in English)."""
    kept = [(p, _kept(p.segments)) for p in passes]
    found = [s for _, segments in kept for s in segments]
    text = " ".join(s.text for s in found).strip()
    confident = bool(text) and all(s.avg_logprob > MIN_AVG_LOGPROB for s in found)
    spoken: dict[str, float] = {}
    for p, segments in kept:
        spoken[p.language] = spoken.get(p.language, 0.0) + sum(s.end - s.start for s in segments)
    language = max(spoken, key=spoken.get) if found else (passes[0].language if passes else ENGLISH)
    if all(p.language == ENGLISH for p, _ in kept):
        return Transcript(text, found, language, confident)
    english = [s for p, segments in kept for s in (segments if p.language == ENGLISH else _kept(p.translated))]
    return Transcript(text, found, language, confident, " ".join(s.text for s in english).strip(), english)
