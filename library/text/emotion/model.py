"""TextEmotionModel: emotion from a short text, behind a small load/predict_proba API.

The classifier is trained on ISEAR (Scherer & Wallbott), whose seven labels differ from
the project's: five overlap (joy->happy, anger->angry, sadness->sad, fear, disgust), two
are extra (shame, guilt), and ISEAR has no surprise or neutral. ``predict_proba`` gives
the project's (N, 7) ``EMOTIONS`` layout so the text channel lines up with the face
channel; the shame/guilt mass is reported separately by ``predict_extra``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS
from library.errors import BadInput
from library.paths import MODELS_DIR
from library.text.emotion.labels import EXTRA_LABELS, ISEAR_LABELS, TO_EMOTIONS, UNSEEN_EMOTIONS  # noqa: F401
from library.text.emotion.reading import read_emotion
from library.text.saved import load_payload, save_payload

MODEL_FILE = "emotion.joblib"
DEFAULT_PATH = MODELS_DIR / "text" / MODEL_FILE


def _as_texts(texts) -> list[str]:
    """A str or a list of str -> list of str; empty/blank or non-string items -> BadInput."""
    if isinstance(texts, str):
        texts = [texts]
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            raise BadInput(f"Text {i + 1} is empty; please give some text to analyse."
                           if len(texts) > 1 else "Please give some text to analyse.")
    return texts


class TextEmotionModel:
    """Wraps a fitted estimator with ``classes_`` (ISEAR label names) and ``predict_proba(texts)``.

    ``info`` holds provenance (model name, data, date, CV figures) and is saved with it.
    """

    def __init__(self, estimator, info: dict | None = None):
        classes = tuple(str(c) for c in getattr(estimator, "classes_", ()))
        if sorted(classes) != sorted(ISEAR_LABELS):
            raise ValueError(f"estimator classes {classes} are not the ISEAR labels {ISEAR_LABELS}")
        self.estimator = estimator
        self.info = dict(info or {})
        # Column of each ISEAR label (in ISEAR_LABELS order) in the estimator's output.
        self._columns = np.array([classes.index(label) for label in ISEAR_LABELS])

    @classmethod
    def load(cls, path: str | Path | None = None) -> "TextEmotionModel":
        """Load a model saved by :meth:`save`; default: the shipped ``Models/text`` model."""
        payload = load_payload(path, DEFAULT_PATH, "text emotion model")
        return cls(payload["estimator"], payload.get("info"))

    def save(self, path: str | Path) -> Path:
        return save_payload(path, MODEL_FILE,
                            {"estimator": self.estimator, "info": self.info, "labels": list(ISEAR_LABELS)})

    def predict_isear_proba(self, texts) -> np.ndarray:
        """(N, 7) probabilities over the ISEAR labels, ``ISEAR_LABELS`` order; rows sum to 1."""
        texts = _as_texts(texts)
        if not texts:
            return np.zeros((0, len(ISEAR_LABELS)))
        proba = np.asarray(self.estimator.predict_proba(texts), dtype=np.float64)
        return proba[:, self._columns]

    def predict_proba(self, texts) -> np.ndarray:
        """(N, 7) probabilities in ``EMOTIONS`` order (angry, disgust, fear, happy, sad,
        surprise, neutral) for a str or a list of str.

        - happy/angry/sad/fear/disgust carry ISEAR's joy/anger/sadness/fear/disgust mass.
        - surprise and neutral are always 0: ISEAR has neither label, so the model cannot
          tell them apart from anything else (a neutral text still gets spread over the
          others).
        - Rows are **not** renormalised: they sum to 1 - (shame + guilt), the mass on
          ISEAR's extra labels, which :meth:`predict_extra` returns. Renormalising would
          turn a confident "guilt" into a confident, wrong "sad" or "fear".

        Raises BadInput for an empty or blank text (or a non-string item).
        """
        isear = self.predict_isear_proba(texts)
        out = np.zeros((len(isear), len(EMOTIONS)))
        for j, label in enumerate(ISEAR_LABELS):
            if label in TO_EMOTIONS:
                out[:, EMOTIONS.index(TO_EMOTIONS[label])] = isear[:, j]
        return out

    def predict_extra(self, texts) -> np.ndarray:
        """(N, 2) probabilities of ISEAR's extra labels, ``EXTRA_LABELS`` order (shame, guilt):
        exactly the mass missing from each row of :meth:`predict_proba`."""
        isear = self.predict_isear_proba(texts)
        return isear[:, [ISEAR_LABELS.index(label) for label in EXTRA_LABELS]]

    def read(self, text: str, explain: bool = True):
        """One text -> :class:`~library.text.emotion.reading.EmotionReading`: the top reading, or
        "unclear" below the measured confidence, or "neutral" where the measured rule allows it,
        with the words that pushed the reading most (reading.py)."""
        return read_emotion(self, _as_texts(text)[0], explain=explain)

    def __repr__(self) -> str:
        return f"TextEmotionModel({self.info.get('model', type(self.estimator).__name__)!r})"
