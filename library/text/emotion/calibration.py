"""Temperature scaling and expected calibration error (numpy/scipy only: also used at run time)."""

from __future__ import annotations

import numpy as np


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(scores: np.ndarray, y: np.ndarray, temperature: float = 1.0) -> float:
    p = softmax(scores, temperature)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The T > 0 that minimises the log loss of softmax(scores / T) (Guo et al., 2017)."""
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(lambda log_t: nll(scores, y, float(np.exp(log_t))), bounds=(-3.0, 3.0),
                          method="bounded")
    return float(np.exp(res.x))


def ece(proba: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top class: equal-width confidence bins, weighted by size."""
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(conf[inside].mean() - right[inside].mean())
    return float(total)


def reliability(proba: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict]:
    """Per confidence bin: count, mean confidence, accuracy (for the model card's table)."""
    conf = proba.max(axis=1)
    right = proba.argmax(axis=1) == y
    out = []
    edges = np.linspace(0.0, 1.0, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(inside.sum()),
                        "confidence": round(float(conf[inside].mean()), 3),
                        "accuracy": round(float(right[inside].mean()), 3)})
    return out
