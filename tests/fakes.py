"""Small fake models for route tests, injected through the registry's loaders (``MODEL_LOADERS`` names).

They answer instantly and predictably, so a test of a route checks the route (parsing, storage, the
answer's shape), not a trained model; the real models have their own tests. ``stub_loaders`` is the default
app's (tests/conftest.py): every model refuses to load, saying how to ask for the real ones.
"""

from __future__ import annotations

import numpy as np

from library.emotions import EMOTIONS
from library.registry import MODEL_LOADERS


class FixedExpressionModel:
    """Every face reads as ``dominant`` with probability ``p``, the rest shared evenly."""

    def __init__(self, dominant: str = "surprise", p: float = 0.7):
        self.row = np.full(len(EMOTIONS), (1 - p) / (len(EMOTIONS) - 1))
        self.row[EMOTIONS.index(dominant)] = p
        self.calls = 0

    def predict_proba(self, faces) -> np.ndarray:
        self.calls += 1
        return np.tile(self.row, (len(faces), 1))


def loaders_with(**models) -> dict:
    """The registry's loaders, with the named models replaced by the given objects."""
    loaders = dict(MODEL_LOADERS)
    for name, model in models.items():
        loaders[name] = lambda _cache, model=model: model
    return loaders


class RealModelNeeded(RuntimeError):
    """A test without the ``real_models`` mark asked its app for a model."""


def stub_loaders() -> dict:
    """The registry's names, each loading nothing: it raises ``RealModelNeeded`` naming the model."""

    def refuse(name: str):
        def load(_cache):
            raise RealModelNeeded(f"this test reads the {name!r} model: mark it real_models for the shipped "
                                  "models, or give its app a fake (fakes.loaders_with)")
        return load

    return {name: refuse(name) for name in MODEL_LOADERS}
