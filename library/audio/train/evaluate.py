"""Speaker-grouped validation of the voice model: folds, calibration and the figures the card reports.

Every figure comes from out-of-fold predictions of a grouped K-fold over speakers (each speaker in
a validation fold exactly once), so no clip is read by a head that trained on its voice. Figures
are given for all clips, per corpus, per sex and per class: unweighted average recall (UAR) and
macro F1 beside accuracy, the expected calibration error (ECE) and the share taken by the most
predicted class (a collapsed model gives one class to most clips).
"""

from __future__ import annotations

import warnings

import numpy as np

from library.audio.head import softmax
from library.emotions import EMOTIONS
from library.training import classification_metrics

N_FOLDS = 11  # 33 speakers: three per fold


def speaker_folds(speakers: list[str], n_folds: int = N_FOLDS) -> list[np.ndarray]:
    """Validation indices of each fold; GroupKFold keeps every speaker on one side."""
    from sklearn.model_selection import GroupKFold

    groups = np.asarray(speakers)
    return [val for _, val in GroupKFold(n_splits=n_folds).split(groups, groups=groups)]


def corpus_folds(records: list[dict]) -> list[np.ndarray]:
    """Leave-one-corpus-out: the indices of each corpus (a head validated on a corpus never heard it: other
    speakers, room, microphone and often language)."""
    corpora = np.array([r["corpus"] for r in records])
    return [np.flatnonzero(corpora == c) for c in sorted(set(corpora))]


def ece(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top class, equal-width confidence bins."""
    conf, pred = proba.max(axis=1), proba.argmax(axis=1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf > lo) & (conf <= hi)
        if sel.any():
            total += sel.mean() * abs(float((pred[sel] == y[sel]).mean()) - float(conf[sel].mean()))
    return float(total)


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood (a 1-D search, log-spaced)."""
    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 241))

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))

    return float(min(grid, key=nll))


def uar(pred: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean([(pred[y == c] == c).mean() for c in np.unique(y)]))


def fit_class_bias(logits: np.ndarray, y: np.ndarray, rounds: int = 3) -> np.ndarray:
    """(7,) offsets added to the logits that raise the unweighted average recall of held-out predictions: a class
    the head under-calls on new voices (sad, happy) gets a push, one it over-calls gives some back. Coordinate
    ascent over a grid, a few rounds; written by hand because it is 15 lines and scikit-learn has no such fit (its
    ``class_weight`` acts in training, where the class-balanced weights already are, and does not move held-out
    recall the same way)."""
    bias = np.zeros(logits.shape[1])
    grid = np.linspace(-1.5, 1.5, 31)
    for _ in range(rounds):
        for c in range(logits.shape[1]):
            def score(v: float) -> float:
                b = bias.copy()
                b[c] = v
                return uar((logits + b).argmax(axis=1), y)
            bias[c] = max(grid, key=lambda v: (score(v), -abs(v)))  # ties: the smaller push
    return bias - bias.mean()


def abstain_threshold(proba: np.ndarray, y: np.ndarray, floor: float = 0.4, width: float = 0.05) -> float:
    """The lowest confidence from which every bin of width ``width`` upwards is right >= ``floor``
    of the time: below it the page says "unclear" instead of naming an emotion."""
    conf, right = proba.max(axis=1), proba.argmax(axis=1) == y
    edges = np.arange(0.0, 1.0 + 1e-9, width)
    threshold = 0.0
    for lo in edges[:-1]:
        sel = (conf >= lo) & (conf < lo + width)
        if sel.sum() >= 10 and right[sel].mean() < floor:
            threshold = float(lo + width)
    return round(threshold, 2)


def summary(proba: np.ndarray, y: np.ndarray) -> dict:
    with warnings.catch_warnings():  # a one-speaker group may hold one class: scikit-learn warns, rightly
        warnings.simplefilter("ignore")
        m = classification_metrics(proba, y)
    pred = proba.argmax(axis=1)
    present = sorted(set(int(v) for v in y))
    top = int(np.bincount(pred, minlength=len(EMOTIONS)).argmax())
    return {
        "n": int(len(y)),
        "accuracy": m["accuracy"],
        # recall averaged over the classes the group holds (EmoDB has no surprise)
        "uar": float(np.mean([(pred[y == c] == c).mean() for c in present])),
        "macro_f1": float(np.mean([m["per_class"][EMOTIONS[c]]["f1"] for c in present])),
        "ece": ece(proba, y),
        "most_predicted": EMOTIONS[top],
        "most_predicted_share": float((pred == top).mean()),
        "per_class": m["per_class"],
        "confusion": m["confusion"],
    }


def grouped_report(proba: np.ndarray, y: np.ndarray, records: list[dict]) -> dict:
    """Figures for all clips, per corpus and per sex (and per corpus x sex)."""
    out = {"all": summary(proba, y), "per_corpus": {}, "per_sex": {}, "per_speaker": {}}
    for key, field in (("per_corpus", "corpus"), ("per_sex", "sex"), ("per_speaker", "speaker")):
        for value in sorted({r[field] for r in records}):
            sel = np.array([r[field] == value for r in records])
            s = summary(proba[sel], y[sel])
            out[key][value] = s if key != "per_speaker" else {k: s[k] for k in ("n", "accuracy", "uar")}
    return out
