"""The sound beside a video answer (its own track, or the live page's microphone recording), read with
the app's voice, speech-recognition and text models; the face's result never waits on it to succeed."""

from __future__ import annotations

from flask import current_app

from library.video.live_voice import LiveVoice
from library.video.sound import NO_MODEL, NO_RECORDING, SoundReading
from library.video.sound import read_sound as read_answer_sound
from web.platform.extensions import limits, models, spoken_words_reader


def live_answer_seconds() -> float:
    """As long as a voice answer may be, or as the live answer is, whichever is longer (the page stops at its end)."""
    config = current_app.config
    return float(max(config["AUDIO_MAX_SECONDS"], config["VIDEO_DURATION_S"] + 15))


def read_sound(data: bytes | None, *, max_bytes: int, max_seconds: float) -> SoundReading:
    """The voice and words of a video's sound (see library/video/sound.py)."""
    return read_answer_sound(data, models(), limits(), max_bytes=max_bytes, max_seconds=max_seconds)


def read_live_sound(voice: LiveVoice, session_id: str, *, expected: int | None, progress=None) -> SoundReading:
    """The voice and words of a live capture's chunks (``ChunksMissing`` when the client sent some that are not here)."""
    if not voice.has_sound(session_id) and not expected:
        return SoundReading(None, None, None, NO_RECORDING)
    if voice.model is None:
        return SoundReading(None, None, None, NO_MODEL)
    return voice.close(session_id, spoken_words_reader(current_app.config), expected=expected, progress=progress)
