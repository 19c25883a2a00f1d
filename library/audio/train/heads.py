"""Heads on pooled encoder states, trained with scikit-learn and exported to ``DenseHead`` (numpy).

* ``linear``: standardise + multinomial logistic regression (class-balanced), the simplest head;
* ``mlp``: standardise + one hidden ReLU layer (scikit-learn's MLPClassifier, early stopping); with ``members`` > 1,
  that many such networks from different seeds, their logits averaged, which is one network whose hidden layer is
  theirs side by side (so the shipped head keeps its shape: ``DenseHead``, two layers).

Both are convex or small enough to train in seconds, so every variant is compared on the same
speaker folds (compare.py) rather than chosen by taste.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from library.audio.head import DenseHead


@dataclass(frozen=True)
class HeadConfig:
    kind: str = "linear"  # "linear" | "mlp"
    c: float = 0.05  # inverse L2 strength of the linear head
    hidden: int = 256
    alpha: float = 1e-2  # L2 of the MLP
    seed: int = 0
    members: int = 1  # MLPs from seeds seed, seed + 1, ...: their logits averaged

    def to_dict(self) -> dict:
        return asdict(self)


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    return mean, np.where(scale > 1e-8, scale, 1.0)


def _balanced_weights(y: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    w = len(y) / (n_classes * np.maximum(counts, 1))
    return w[y]


def fit_head(x: np.ndarray, y: np.ndarray, cfg: HeadConfig, n_classes: int = 7) -> DenseHead:
    """Train on pooled states ``x`` (n, d) and labels ``y``; temperature left at 1 (fitted later)."""
    mean, scale = _standardiser(x)
    z = (x - mean) / scale
    if cfg.kind == "linear":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=cfg.c, max_iter=2000, class_weight="balanced")
        clf.fit(z, y)
        w = np.zeros((x.shape[1], n_classes))
        b = np.full(n_classes, -30.0)  # a class absent from training is never predicted
        w[:, clf.classes_] = clf.coef_.T
        b[clf.classes_] = clf.intercept_
        return DenseHead(mean, scale, [w], [b])
    if cfg.kind == "mlp":
        members = [_fit_mlp(z, y, cfg, cfg.seed + i, n_classes) for i in range(cfg.members)]
        # the mean of the members' logits: hidden layers side by side, output weights stacked and divided by k
        k = len(members)
        return DenseHead(mean, scale, [np.concatenate([m[0] for m in members], axis=1),
                                       np.concatenate([m[2] for m in members], axis=0) / k],
                         [np.concatenate([m[1] for m in members]), np.mean([m[3] for m in members], axis=0)])
    raise ValueError(f"unknown head kind {cfg.kind!r}")


def _fit_mlp(z: np.ndarray, y: np.ndarray, cfg: HeadConfig, seed: int, n_classes: int):
    """(w_hidden, b_hidden, w_out, b_out) of one MLP on standardised features."""
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(cfg.hidden,), alpha=cfg.alpha, early_stopping=True,
                        validation_fraction=0.1, max_iter=300, random_state=seed)
    clf.fit(z, y, sample_weight=_balanced_weights(y, n_classes))
    w_out = np.zeros((cfg.hidden, n_classes))
    b_out = np.full(n_classes, -30.0)  # a class absent from training is never predicted
    w_out[:, clf.classes_] = clf.coefs_[1]
    b_out[clf.classes_] = clf.intercepts_[1]
    return clf.coefs_[0], clf.intercepts_[0], w_out, b_out
