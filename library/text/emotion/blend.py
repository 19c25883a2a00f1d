"""EmotionBlend: the words v2 estimator behind TextEmotionModel (run time: no torch).

TF-IDF + logistic regression and the fine-tuned encoder's head, as a weighted sum of their
log-probabilities, divided by a temperature fitted on out-of-fold predictions, then softmax.
Weights (0 switches a part off) and temperature come from training (library/text/train/ship.py),
chosen by 5-fold grouped CV.

It finds the shared encoder (library/text/encoder.py) in the folder it was loaded from
(``attach``); the pickled object holds only scikit-learn parts and numbers. The shipped
Models/text/emotion.joblib names this module's path: moving the class means re-saving that file.
"""

from __future__ import annotations

import numpy as np

from library.text.emotion.calibration import softmax
from library.text.emotion.model import ISEAR_LABELS
from library.text.encoder import UsesEncoder


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-9, None))


class EmotionBlend(UsesEncoder):
    def __init__(self, tfidf, w_tfidf: float, w_encoder: float, temperature: float):
        self.tfidf = tfidf
        self.w_tfidf = float(w_tfidf)
        self.w_encoder = float(w_encoder)
        self.temperature = float(temperature)
        self.classes_ = np.array(ISEAR_LABELS)

    def tfidf_log_proba(self, texts: list[str]) -> np.ndarray:
        cols = [list(self.tfidf.classes_).index(label) for label in ISEAR_LABELS]
        return _log(self.tfidf.predict_proba(texts)[:, cols])

    def encoder_log_proba(self, texts: list[str], remember: bool = True) -> np.ndarray:
        """Per text: the windows' log-probabilities averaged, weighted by their token counts."""
        out = np.zeros((len(texts), len(ISEAR_LABELS)))
        for i, enc in enumerate(self.encoder.encode_many(texts, remember)):
            out[i] = np.average(_log(softmax(enc.logits)), axis=0, weights=enc.n_tokens)
        return out

    def scores(self, texts: list[str], remember: bool = True) -> np.ndarray:
        """Combined log-scores (N, 7) before the temperature."""
        total = np.zeros((len(texts), len(ISEAR_LABELS)))
        if self.w_tfidf:
            total += self.w_tfidf * self.tfidf_log_proba(texts)
        if self.w_encoder:
            total += self.w_encoder * self.encoder_log_proba(texts, remember)
        return total

    def predict_proba(self, texts: list[str], remember: bool = True) -> np.ndarray:
        return softmax(self.scores(list(texts), remember), self.temperature)

    def max_logit(self, text: str) -> float:
        """The encoder's largest logit, averaged over windows by token count: low = unlike any
        ISEAR answer (the neutral rule's score, measured in training)."""
        enc = self.encoder.encode(text)
        return float(np.average(enc.logits.max(axis=1), weights=enc.n_tokens))
