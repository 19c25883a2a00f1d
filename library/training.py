"""Pieces every channel's training and evaluation share: logging, atomic files, Keras
checkpoints (weights + optimizer state), classification metrics and the confusion-matrix image.

One copy here so the video and audio trainers checkpoint, score and plot the same way.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename: a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_checkpoint(ckpt: Path, model, state: dict) -> None:
    """Weights, optimizer variables, then ``state.json`` last: its presence commits the epoch."""
    ckpt.mkdir(parents=True, exist_ok=True)
    model.save_weights(ckpt / "tmp_last.weights.h5")
    os.replace(ckpt / "tmp_last.weights.h5", ckpt / "last.weights.h5")
    opt_vars = {f"v{i}": np.asarray(v.numpy()) for i, v in enumerate(model.optimizer.variables)}
    np.savez(ckpt / "tmp_optimizer.npz", **opt_vars)
    os.replace(ckpt / "tmp_optimizer.npz", ckpt / "optimizer.npz")
    atomic_write_text(ckpt / "state.json", json.dumps(state, indent=2))


def load_checkpoint(ckpt: Path, model) -> None:
    """Restore what ``save_checkpoint`` wrote into a built, compiled model with a built optimizer."""
    model.load_weights(ckpt / "last.weights.h5")
    with np.load(ckpt / "optimizer.npz") as z:
        variables = model.optimizer.variables
        if len(z.files) != len(variables):
            raise RuntimeError("optimizer checkpoint does not match the model")
        for i, v in enumerate(variables):
            v.assign(z[f"v{i}"])


def seed_dropout(model, seed: int, epoch: int) -> None:
    """Give every layer-owned SeedGenerator a state that depends only on (seed, epoch), so a
    resumed run draws the same dropout masks as an uninterrupted one."""
    rng = np.random.default_rng([seed, epoch, 7])
    for layer in model._flatten_layers():
        gen = getattr(layer, "seed_generator", None)
        if gen is not None:
            gen.state.assign(np.array([rng.integers(2**31), 0], dtype=gen.state.dtype))


def topk_accuracy(proba: np.ndarray, y: np.ndarray, k: int) -> float:
    top = np.argsort(-proba, axis=1)[:, :k]
    return float((top == y[:, None]).any(axis=1).mean())


def classification_metrics(proba: np.ndarray, y: np.ndarray, labels: Sequence[str] = EMOTIONS,
                           topk: Sequence[int] = ()) -> dict:
    """Accuracy, balanced accuracy, macro F1, per-class precision/recall/F1 and the confusion
    matrix (a list of lists, JSON-ready) for probabilities ``proba`` (N, C) and true indices ``y``."""
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix, precision_recall_fscore_support

    pred = proba.argmax(axis=1)
    idx = list(range(len(labels)))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=idx, zero_division=0)
    out = {
        "accuracy": float((pred == y).mean()),
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "macro_f1": float(f.mean()),
        "per_class": {labels[i]: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                                  "support": int(s[i])} for i in idx},
        "confusion": confusion_matrix(y, pred, labels=idx).tolist(),
    }
    if topk:
        out["topk"] = {k: topk_accuracy(proba, y, k) for k in topk}
    return out


def plot_confusion(cm, path: Path, title: str, labels: Sequence[str] = EMOTIONS) -> None:
    """Row-normalised confusion matrix (recall on the diagonal) with counts, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # headless; set here, not at import time of the package
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=110)
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, f"{norm[i, j]:.2f}\n({cm[i, j]})", ha="center", va="center", fontsize=7,
                    color="white" if norm[i, j] > 0.5 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="row-normalised (recall)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
