"""Grouped cross-validation and per-class figures for the text emotion models.

Every model sees the same folds (``data.cv_splits``). Per fold: accuracy,
macro-F1 and per-class precision/recall/F1; the out-of-fold predictions of all folds
are pooled into one confusion matrix. Labels are ISEAR's, in ``ISEAR_LABELS`` order.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from library.text.emotion.model import ISEAR_LABELS


def fold_scores(y_true, y_pred, labels=ISEAR_LABELS) -> dict:
    """Accuracy, macro-F1 and per-class precision/recall/F1 of one fold."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=list(labels), zero_division=0)
    return {"accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))),
            "macro_f1": float(f1.mean()), "precision": precision, "recall": recall, "f1": f1}


def summarise(folds: list[dict], y_true, y_pred, labels=ISEAR_LABELS) -> dict:
    """Fold scores -> mean ± std over folds, per class too, plus the pooled confusion matrix."""
    from sklearn.metrics import confusion_matrix

    def stat(values) -> dict:
        return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4)}

    return {
        "accuracy": stat([f["accuracy"] for f in folds]),
        "macro_f1": stat([f["macro_f1"] for f in folds]),
        "per_class": {label: {metric: stat([f[metric][j] for f in folds])
                              for metric in ("precision", "recall", "f1")}
                      for j, label in enumerate(labels)},
        "folds": [{"accuracy": round(f["accuracy"], 4), "macro_f1": round(f["macro_f1"], 4)}
                  for f in folds],
        # rows = true label, columns = predicted, both in `labels` order
        "confusion": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist(),
        "labels": list(labels),
    }


def cross_validate(make_model: Callable[[], object], texts: list[str], labels: np.ndarray,
                   splits, log=print) -> dict:
    """Fit a fresh model per fold on raw texts; returns summarise() plus seconds."""
    start = time.time()
    folds = []
    y_pred = np.empty(len(labels), dtype=object)
    tested = np.zeros(len(labels), dtype=bool)
    extra: dict[str, list] = {}
    for k, (train, test) in enumerate(splits):
        model = make_model()
        model.fit([texts[i] for i in train], labels[train])
        pred = np.asarray(model.predict([texts[i] for i in test]))
        y_pred[test], tested[test] = pred, True
        folds.append(fold_scores(labels[test], pred))
        if hasattr(model, "epochs_run_"):  # neural: how long early stopping let it train
            extra.setdefault("epochs_run", []).append(int(model.epochs_run_))
        log(f"  fold {k + 1}/{len(splits)}: accuracy {folds[-1]['accuracy']:.3f}  "
            f"macro-F1 {folds[-1]['macro_f1']:.3f}  ({time.time() - start:.0f}s)")
    result = summarise(folds, labels[tested], y_pred[tested].astype(str))
    result.update(extra)
    result["seconds"] = round(time.time() - start, 1)
    return result
