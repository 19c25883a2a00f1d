"""PersonalityBlend: the words v2 estimator behind PersonalityModel (run time: no torch).

Per trait, TF-IDF, the shared encoder's mean embedding + logistic regression, or the average of
both, whichever won that trait's CV (library/text/train/ship.py).

It finds the encoder (library/text/encoder.py) in the folder it was loaded from (``attach``);
the pickled object holds only scikit-learn parts and numbers. The shipped
Models/text/personality.joblib names this module's path: moving the class means re-saving that file.
"""

from __future__ import annotations

import numpy as np

from library.text.encoder import UsesEncoder
from library.text.personality.traits import TRAITS


class PersonalityBlend(UsesEncoder):
    """``choice[j]`` in {"tfidf", "encoder", "both"} for trait j (TRAITS order)."""

    def __init__(self, tfidf, heads: list, choice: tuple[str, ...]):
        if len(heads) != len(TRAITS) or len(choice) != len(TRAITS):
            raise ValueError("one encoder head and one choice per trait")
        self.tfidf = tfidf
        self.heads = list(heads)
        self.choice = tuple(choice)

    def embeddings(self, texts: list[str]) -> np.ndarray:
        return np.stack([e.embedding for e in self.encoder.encode_many(texts)])

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), len(TRAITS)))
        tf = enc = None
        if any(c != "encoder" for c in self.choice):
            tf = np.stack([p[:, 1] for p in self.tfidf.predict_proba(texts)], axis=1)
        if any(c != "tfidf" for c in self.choice):
            x = self.embeddings(texts)
            enc = np.stack([h.predict_proba(x)[:, 1] for h in self.heads], axis=1)
        for j, c in enumerate(self.choice):
            out[:, j] = tf[:, j] if c == "tfidf" else enc[:, j] if c == "encoder" else (tf[:, j] + enc[:, j]) / 2
        return out
