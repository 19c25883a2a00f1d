"""Per-trait accuracy, confusion counts and cross-validation for the text models."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from library.text.personality.traits import TRAITS


def proba_matrix(estimator, X) -> np.ndarray:
    """(N, 5) probability of "high" from a fitted estimator.

    MultiOutputClassifier gives a list of five (N, 2) arrays; the neural model
    already gives (N, 5).
    """
    proba = estimator.predict_proba(X)
    if isinstance(proba, list):
        return np.stack([p[:, 1] for p in proba], axis=1).astype(np.float64)
    return np.asarray(proba, dtype=np.float64)


def trait_accuracies(labels: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Accuracy per trait at the 0.5 threshold, shape (5,)."""
    return ((proba >= 0.5).astype(int) == labels).mean(axis=0)


def confusion_counts(labels: np.ndarray, proba: np.ndarray) -> dict[str, dict[str, int]]:
    """Per trait: true/false positives/negatives, "positive" meaning "high"."""
    pred = (proba >= 0.5).astype(int)
    out = {}
    for j, trait in enumerate(TRAITS):
        y, p = labels[:, j], pred[:, j]
        out[trait] = {"tn": int(((y == 0) & (p == 0)).sum()), "fp": int(((y == 0) & (p == 1)).sum()),
                      "fn": int(((y == 1) & (p == 0)).sum()), "tp": int(((y == 1) & (p == 1)).sum())}
    return out


def summarise(fold_acc: np.ndarray) -> dict:
    """fold_acc (folds, 5) -> per-trait mean/std and the mean over traits."""
    fold_acc = np.asarray(fold_acc)
    return {
        "per_trait": {t: {"mean": round(float(fold_acc[:, j].mean()), 4),
                          "std": round(float(fold_acc[:, j].std()), 4)}
                      for j, t in enumerate(TRAITS)},
        "mean": round(float(fold_acc.mean()), 4),
        "mean_std_over_folds": round(float(fold_acc.mean(axis=1).std()), 4),
        "folds": [[round(float(a), 4) for a in row] for row in fold_acc],
    }


def _pre_normalise(pipeline, texts, cache: dict | None):
    """Apply a stateless first step once (it gives the same output in every fold)."""
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline):
        return pipeline, texts
    name, step = pipeline.steps[0]
    if not getattr(step, "stateless", False):
        return pipeline, texts
    key = (type(step).__name__, tuple(sorted(step.get_params().items())))
    if cache is None or key not in cache:
        transformed = step.transform(texts)
        if cache is not None:
            cache[key] = transformed
    else:
        transformed = cache[key]
    return pipeline[1:], transformed


def cross_validate(make_model: Callable[[], object], texts: list[str], labels: np.ndarray,
                   splits, cache: dict | None = None, log=print) -> dict:
    """Fit a fresh model per fold, score per trait; returns summarise() plus seconds."""
    start = time.time()
    fold_acc = []
    for k, (train, test) in enumerate(splits):
        model, X = _pre_normalise(make_model(), texts, cache)
        X_train = [X[i] for i in train]
        X_test = [X[i] for i in test]
        model.fit(X_train, labels[train])
        acc = trait_accuracies(labels[test], proba_matrix(model, X_test))
        fold_acc.append(acc)
        log(f"  fold {k + 1}/{len(splits)}: " + " ".join(f"{a:.3f}" for a in acc)
            + f"  mean {acc.mean():.3f}  ({time.time() - start:.0f}s)")
    result = summarise(np.array(fold_acc))
    result["seconds"] = round(time.time() - start, 1)
    return result
