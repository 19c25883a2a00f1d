"""Small fake models for route tests, injected through the registry's loaders (``MODEL_LOADERS`` names).

They answer instantly and predictably, so a test of a route checks the route (parsing, storage, the
answer's shape), not a trained model; the real models have their own tests.
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
