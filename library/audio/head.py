"""The trained part of the voice model: pooled encoder states -> calibrated emotion probabilities.

A small stack of dense layers in numpy (standardise -> [dense + ReLU]* -> dense -> softmax(z / T)),
saved as one ``.npz``. Numpy rather than an ONNX file because it is a handful of matrix products:
no runtime to load, nothing to convert, and the training side (scikit-learn) exports straight
into it. ``temperature`` is fitted on out-of-fold predictions so the confidence shown is honest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class DenseHead:
    mean: np.ndarray  # (d,) standardisation
    scale: np.ndarray  # (d,)
    weights: list[np.ndarray] = field(default_factory=list)  # (d_in, d_out) per layer
    biases: list[np.ndarray] = field(default_factory=list)
    temperature: float = 1.0

    def logits(self, x: np.ndarray) -> np.ndarray:
        h = (np.atleast_2d(np.asarray(x, dtype=np.float64)) - self.mean) / self.scale
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
        return h

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(n, classes) probabilities, each row sums to 1."""
        return softmax(self.logits(x) / self.temperature)

    def save(self, path: Path) -> None:
        arrays = {"mean": self.mean, "scale": self.scale, "temperature": np.array(self.temperature)}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            arrays[f"w{i}"] = w.astype(np.float32)
            arrays[f"b{i}"] = b.astype(np.float32)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> "DenseHead":
        with np.load(path) as z:
            n = sum(1 for k in z.files if k.startswith("w"))
            return cls(z["mean"].astype(np.float64), z["scale"].astype(np.float64),
                       [z[f"w{i}"].astype(np.float64) for i in range(n)],
                       [z[f"b{i}"].astype(np.float64) for i in range(n)], float(z["temperature"]))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
