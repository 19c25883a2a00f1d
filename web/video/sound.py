"""The sound beside a video answer (its own track, or the live page's microphone recording), read with
the app's voice, speech-recognition and text models; the face's result never waits on it to succeed."""

from __future__ import annotations

from flask import current_app

from library.history.live_sound import LiveSound
from library.video.live_voice import LiveVoice
from library.video.sound import SoundReading, analyse_sound
from web.platform.extensions import models, spoken_words_reader, store

NO_MODEL = "The voice model is not installed on this server yet, so only the face was read."
NO_RECORDING = "No microphone recording came with this answer, so only the face was read."


def _voice_models():
    """(voice model, transcriber); the voice model None when it is not installed, the transcriber None when it
    cannot be loaded (voices are then read without words)."""
    registry = models()
    try:
        voice_model = registry.get("speech_emotion")
    except FileNotFoundError:
        return None, None
    try:
        transcriber = registry.get("transcriber")
    except Exception:  # noqa: BLE001 - without speech recognition the voice is still read, without words
        current_app.logger.exception("the transcriber could not be loaded; voices are read without words")
        transcriber = None
    return voice_model, transcriber


def _decode_limits() -> dict:
    config = current_app.config
    return {"min_rate": config["AUDIO_MIN_RATE"], "max_rate": config["AUDIO_MAX_RATE"],
            "max_channels": config["AUDIO_MAX_CHANNELS"], "max_samples": config["AUDIO_MAX_SAMPLES"]}


def live_answer_seconds() -> float:
    """As long as a voice answer may be, or as the live answer is, whichever is longer (the page stops at its end)."""
    config = current_app.config
    return float(max(config["AUDIO_MAX_SECONDS"], config["VIDEO_DURATION_S"] + 15))


def read_sound(data: bytes | None, *, max_bytes: int, max_seconds: float) -> SoundReading:
    """The voice and words of a video's sound (see library/video/sound.py)."""
    if not data:
        return SoundReading(None, None, None, NO_RECORDING)
    voice_model, transcriber = _voice_models()
    if voice_model is None:
        return SoundReading(None, None, None, NO_MODEL)
    return analyse_sound(data, voice_model, transcriber, spoken_words_reader(current_app.config),
                         max_bytes=max_bytes, max_seconds=max_seconds, **_decode_limits())


def live_voice() -> LiveVoice:
    """The live capture's voice, read chunk by chunk (library/video/live_voice.py); its model None when the
    voice model is not installed (the chunks are then only kept until the finish says so)."""
    voice_model, transcriber = _voice_models()
    return LiveVoice(LiveSound(store().engine), voice_model, transcriber,
                     {"max_seconds": live_answer_seconds(), **_decode_limits()})


def read_live_sound(voice: LiveVoice, session_id: str, *, expected: int | None, progress=None) -> SoundReading:
    """The voice and words of a live capture's chunks (``ChunksMissing`` when the client sent some that are not here)."""
    if not voice.has_sound(session_id) and not expected:
        return SoundReading(None, None, None, NO_RECORDING)
    if voice.model is None:
        return SoundReading(None, None, None, NO_MODEL)
    return voice.close(session_id, spoken_words_reader(current_app.config), expected=expected, progress=progress)
