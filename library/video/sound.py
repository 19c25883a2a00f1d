"""The sound of a video answer: the voice's emotion, the transcript and its words, beside the face.

    sound = analyse_sound(data, voice_model, transcriber, words_reader, max_seconds=120)
    sound.to_scores()   # {"voice": {...} | None, "transcript": {...} | None, "words": {...} | None,
                        #  "voice_note": "…" | None}

``data`` is an uploaded video (MP4/WebM/MOV: its first audio track) or the microphone recording the
live page made beside its frames. The face is the video's own reading; the sound only adds to it,
so nothing here raises for the sound itself: a video without a sound track, a silent one, or one
whose track is past the limits comes back with ``voice`` None and a plain ``voice_note`` saying
why, and the face result stands. (A transcriber that fails is already contained by
``analyse_signal``: the voice is kept without words.)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from library.audio.decode import MB, decode_audio
from library.audio.recording import analyse_signal
from library.errors import InputError
from library.text.spoken import spoken_words_reader

log = logging.getLogger(__name__)

NO_MODEL = "The voice model is not installed on this server yet, so only the face was read."
NO_RECORDING = "No microphone recording came with this answer, so only the face was read."


@dataclass
class SoundReading:
    voice: dict | None  # AudioAnalysis.to_dict() without the transcript and words (they stand beside it)
    transcript: dict | None
    words: dict | None
    note: str | None  # why there is no voice reading, in a sentence; None when there is one

    def to_scores(self) -> dict:
        return {"voice": self.voice, "transcript": self.transcript, "words": self.words, "voice_note": self.note}



def voice_models(models):
    """(voice model, transcriber) of ``models`` (a ModelCache); the voice model None when it is not installed, the
    transcriber None when it cannot be loaded (voices are then read without words)."""
    try:
        voice_model = models.get("speech_emotion")
    except FileNotFoundError:
        return None, None
    try:
        transcriber = models.get("transcriber")
    except Exception:  # noqa: BLE001 - without speech recognition the voice is still read, without words
        log.exception("the transcriber could not be loaded; voices are read without words")
        transcriber = None
    return voice_model, transcriber


def read_sound(data: bytes | None, models, limits, *, max_bytes: int, max_seconds: float) -> SoundReading:
    """The voice and words of an answer's sound (a video's track, or the live page's recording) with ``models``
    under ``limits`` (library/limits.py: the audio's decoding limits, the text's words for traits); a note, not an
    error, when there is none or no voice model."""
    if not data:
        return SoundReading(None, None, None, NO_RECORDING)
    voice_model, transcriber = voice_models(models)
    if voice_model is None:
        return SoundReading(None, None, None, NO_MODEL)
    return analyse_sound(data, voice_model, transcriber, spoken_words_reader(models, limits.text.min_words),
                         max_bytes=max_bytes, max_seconds=max_seconds, **limits.audio.decode())


def analyse_sound(data: bytes, model, transcriber=None, words_reader=None, *, max_bytes: int = 100 * MB,
                  max_seconds: float = 120.0, **limits) -> SoundReading:
    """Read the voice (and, with a ``transcriber``, the words) of a video's sound track or a recording.

    ``limits``: ``decode_audio``'s ``min_rate``, ``max_rate``, ``max_channels``, ``max_samples``.
    """
    try:
        signal, rate = decode_audio(data, max_bytes=max_bytes, max_seconds=max_seconds, **limits)
        analysis = analyse_signal(signal, rate, model, transcriber, words_reader)
    except InputError as exc:
        return unread(exc)
    return sound_reading(analysis)


def sound_reading(analysis) -> SoundReading:
    """An ``AudioAnalysis`` of the answer's sound as it stands beside the face: the transcript and words apart."""
    voice = analysis.to_dict()
    transcript, words = voice.pop("transcript", None), voice.pop("words", None)
    return SoundReading(voice, transcript, words, None)


def unread(exc: InputError) -> SoundReading:
    """No voice reading, and why in a sentence: the face's result stands alone."""
    return SoundReading(None, None, None, _plain(exc))


def _plain(exc: InputError) -> str:
    """The decoder's and analyser's messages speak of "the recording"; here it is the answer's sound."""
    message = exc.message
    if "no audio track" in message:
        return "This video has no sound track, so only the face was read."
    if message.startswith("No voice was found"):
        return "No voice was heard in the sound (it is silent or only steady noise), so only the face was read."
    return f"The sound could not be read, so only the face was read ({message[:1].lower() + message[1:].rstrip('.')})."
