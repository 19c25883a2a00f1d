"""The sound beside a video answer (its own track, or the live page's microphone recording), read with
the app's voice, speech-recognition and text models; the face's result never waits on it to succeed."""

from __future__ import annotations

from flask import current_app

from library.video.sound import SoundReading, analyse_sound
from web.platform.extensions import models, spoken_words_reader

NO_MODEL = "The voice model is not installed on this server yet, so only the face was read."
NO_RECORDING = "No microphone recording came with this answer, so only the face was read."


def read_sound(data: bytes | None, *, max_bytes: int, max_seconds: float) -> SoundReading:
    """The voice and words of a video's sound (see library/video/sound.py)."""
    if not data:
        return SoundReading(None, None, None, NO_RECORDING)
    config = current_app.config
    registry = models()
    try:
        voice_model = registry.get("speech_emotion")
    except FileNotFoundError:
        return SoundReading(None, None, None, NO_MODEL)
    try:
        transcriber = registry.get("transcriber")
    except Exception:  # noqa: BLE001 - without speech recognition the voice is still read, without words
        current_app.logger.exception("the transcriber could not be loaded; voices are read without words")
        transcriber = None
    reading = analyse_sound(data, voice_model, transcriber, spoken_words_reader(config), max_bytes=max_bytes,
                            max_seconds=max_seconds, min_rate=config["AUDIO_MIN_RATE"],
                            max_rate=config["AUDIO_MAX_RATE"], max_channels=config["AUDIO_MAX_CHANNELS"],
                            max_samples=config["AUDIO_MAX_SAMPLES"])
    return reading
