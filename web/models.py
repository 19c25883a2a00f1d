"""Models shared by all requests of one process, each loaded once on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class ModelRegistry:
    """Lazily loads each model once per process; thread-safe.

    Loading on first use keeps start-up fast (the home page answers before any
    model is read), and one instance per worker avoids reloading per request.
    """

    def __init__(self, loaders: dict[str, Callable[[], Any]]):
        self._loaders = loaders
        self._models: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Any:
        model = self._models.get(name)
        if model is not None:
            return model
        with self._lock:
            if name not in self._models:
                self._models[name] = self._loaders[name]()
            return self._models[name]


def default_loaders() -> dict[str, Callable[[], Any]]:
    def personality():
        from library.text import PersonalityModel

        return PersonalityModel.load()

    return {"personality": personality}
