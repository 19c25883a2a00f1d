"""The words v2 estimators behind TextEmotionModel and PersonalityModel (run time: no torch).

- :class:`EmotionBlend`: TF-IDF + logistic regression and the fine-tuned encoder's head, as a
  weighted sum of their log-probabilities, divided by a temperature fitted on out-of-fold
  predictions, then softmax. Weights (0 switches a part off) and temperature come from
  training (library/text/train/ship.py), chosen by 5-fold grouped CV.
- :class:`PersonalityBlend`: per trait, TF-IDF, the encoder's mean embedding + logistic
  regression, or the average of both, whichever won that trait's CV.

Both find the encoder (library/text/encoder.py) in the folder they were loaded from
(``attach``); the pickled object holds only scikit-learn parts and numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from library.text.calibration import softmax
from library.text.encoder import ONNX_FILE, shared_encoder
from library.text.traits import TRAITS

ISEAR_ORDER = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")  # = emotion.ISEAR_LABELS


class _UsesEncoder:
    encoder_file = ONNX_FILE
    _folder: Path | None = None
    _encoder = None

    def attach(self, folder: str | Path, encoder=None) -> None:
        """Tell the estimator where its encoder file lies (the folder it was loaded from); or give
        it its own encoder (a benchmark that must not share the process-wide one)."""
        self._folder = Path(folder)
        self._encoder = encoder

    @property
    def encoder(self):
        return self._encoder if self._encoder is not None else shared_encoder(self._folder, self.encoder_file)

    def __getstate__(self):  # the encoder is found again at load time, never pickled
        state = dict(self.__dict__)
        state.pop("_folder", None)
        state.pop("_encoder", None)
        return state


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.clip(p, 1e-9, None))


class EmotionBlend(_UsesEncoder):
    def __init__(self, tfidf, w_tfidf: float, w_encoder: float, temperature: float):
        self.tfidf = tfidf
        self.w_tfidf = float(w_tfidf)
        self.w_encoder = float(w_encoder)
        self.temperature = float(temperature)
        self.classes_ = np.array(ISEAR_ORDER)

    def tfidf_log_proba(self, texts: list[str]) -> np.ndarray:
        cols = [list(self.tfidf.classes_).index(label) for label in ISEAR_ORDER]
        return _log(self.tfidf.predict_proba(texts)[:, cols])

    def encoder_log_proba(self, texts: list[str], remember: bool = True) -> np.ndarray:
        """Per text: the windows' log-probabilities averaged, weighted by their token counts."""
        out = np.zeros((len(texts), len(ISEAR_ORDER)))
        for i, enc in enumerate(self.encoder.encode_many(texts, remember)):
            out[i] = np.average(_log(softmax(enc.logits)), axis=0, weights=enc.n_tokens)
        return out

    def scores(self, texts: list[str], remember: bool = True) -> np.ndarray:
        """Combined log-scores (N, 7) before the temperature."""
        total = np.zeros((len(texts), len(ISEAR_ORDER)))
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


class PersonalityBlend(_UsesEncoder):
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
