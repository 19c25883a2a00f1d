"""PersonalityModel: the shipped text model behind a small load/predict_proba API."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from library.paths import MODELS_DIR
from library.text.saved import load_payload, save_payload
from library.text.personality.traits import TRAITS

MODEL_FILE = "personality.joblib"
DEFAULT_PATH = MODELS_DIR / "text" / MODEL_FILE


class PersonalityModel:
    """Wraps a fitted estimator whose ``predict_proba(texts)`` gives five (N, 2) arrays
    (scikit-learn MultiOutputClassifier) or an (N, 5) array; exposes (N, 5) in TRAITS order.

    ``info`` holds provenance (model name, data, date) and is saved with the estimator.
    """

    def __init__(self, estimator, info: dict | None = None, traits: tuple[str, ...] = TRAITS):
        if tuple(traits) != TRAITS:
            raise ValueError(f"model traits {traits} do not match {TRAITS}")
        self.estimator = estimator
        self.info = dict(info or {})
        self.traits = tuple(traits)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "PersonalityModel":
        """Load a model saved by :meth:`save`; default: the shipped ``Models/text`` model."""
        payload = load_payload(path, DEFAULT_PATH, "text model")
        return cls(payload["estimator"], payload.get("info"), tuple(payload.get("traits", ())))

    def save(self, path: str | Path) -> Path:
        return save_payload(path, MODEL_FILE,
                            {"estimator": self.estimator, "info": self.info, "traits": list(self.traits)})

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """(N, 5) float array: probability that each trait is "high", TRAITS order."""
        if isinstance(texts, str):
            raise TypeError("predict_proba expects a list of texts, not a single string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.traits)))
        proba = self.estimator.predict_proba(texts)
        if isinstance(proba, list):
            proba = np.stack([p[:, 1] for p in proba], axis=1)
        return np.asarray(proba, dtype=np.float64).reshape(len(texts), len(self.traits))

    def __repr__(self) -> str:
        return f"PersonalityModel({self.info.get('model', type(self.estimator).__name__)!r})"
