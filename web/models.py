"""Models shared by all requests of one process, each loaded once on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Loader = Callable[["ModelRegistry"], Any]


class ModelRegistry:
    """Lazily loads each model once per process; thread-safe.

    Loading on first use keeps start-up fast (the home page answers before any
    model is read), and one instance per worker avoids reloading per request.
    A loader gets the registry, so a pipeline can reuse a model already loaded.
    """

    def __init__(self, loaders: dict[str, Loader]):
        self._loaders = loaders
        self._models: dict[str, Any] = {}
        self._lock = threading.RLock()  # re-entrant: a loader may ask for another model

    def get(self, name: str) -> Any:
        model = self._models.get(name)
        if model is not None:
            return model
        with self._lock:
            if name not in self._models:
                self._models[name] = self._loaders[name](self)
            return self._models[name]


def shipped_val_accuracy(channel: str, models_dir: str) -> float | None:
    """A shipped model's measured validation accuracy, read from its metadata file (the reading
    the interview's fusion weights use too); nothing is loaded for it."""
    from library.interview.reliability import channel_reliability

    return channel_reliability(channel, models_dir).score


def _personality(_registry: ModelRegistry):
    from library.text import PersonalityModel

    return PersonalityModel.load()


def _expression(_registry: ModelRegistry):
    from library.video.expression import FacialExpressionModel

    return FacialExpressionModel.load()


def _face_pipeline(registry: ModelRegistry):
    from library.video.pipeline import FacePipeline

    return FacePipeline(registry.get("expression"))


def _text_emotion(_registry: ModelRegistry):
    from library.text import TextEmotionModel

    return TextEmotionModel.load()


def _speech_emotion(_registry: ModelRegistry):
    from library.audio import SpeechEmotionModel

    return SpeechEmotionModel.load()


def _transcriber(registry: ModelRegistry):
    from library.audio import Transcriber

    return Transcriber.load(encoder=registry.get("speech_emotion").encoder)  # the voice model's Whisper weights


def default_loaders() -> dict[str, Loader]:
    return {"personality": _personality, "expression": _expression, "face_pipeline": _face_pipeline,
            "speech_emotion": _speech_emotion, "text_emotion": _text_emotion, "transcriber": _transcriber}
