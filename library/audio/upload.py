"""An uploaded recording read whole, the one way: the web's ``POST /api/v1/audio`` and the batch both call this.

    analysis = analyse_audio_upload(data, limits, models)   # -> AudioAnalysis, its models named

Decoded with every configured limit (library/limits.py: size, duration, sample rate, channels, samples), then
read stretch by stretch with its transcript and the text channel's reading of it (library/audio/recording.py).
"""

from __future__ import annotations

from library.audio.decode import decode_audio
from library.audio.recording import AudioAnalysis, analyse_signal
from library.limits import Limits
from library.text.spoken import spoken_words_reader


def analyse_audio_upload(data: bytes, limits: Limits, models) -> AudioAnalysis:
    """One recording's analysis (``InputError`` when it is refused). ``models``: a ModelCache (library/registry.py)."""
    audio = limits.audio
    signal, rate = decode_audio(data, max_bytes=audio.max_bytes, max_seconds=audio.max_seconds, **audio.decode())
    analysis = analyse_signal(signal, rate, models.get("speech_emotion"), models.get("transcriber"),
                              spoken_words_reader(models, limits.text.min_words))
    analysis.models = models.ids_for("audio", analysis)
    return analysis
