"""One recipe, end to end on the cached encoder states: pooled features -> grouped out-of-fold
predictions -> cross-fitted temperature -> the final head on every speaker.

Out-of-fold clips are read through the app's own path (library/audio/windows.py over the clip's
states), so the validation figures are those of the shipped reading, not of a training shortcut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from library.audio.encoder import pool_states
from library.audio.head import DenseHead, softmax
from library.audio.train.evaluate import abstain_threshold, fit_temperature
from library.audio.train.heads import HeadConfig, fit_head
from library.audio.windows import clip_proba


@dataclass
class Corpus:
    """Cached states of every clip (copy 0 clean, copies 1.. augmented) with labels and groups."""

    records: list[dict]
    states: list[list[np.ndarray]]  # [copy][clip] (frames, 384)
    masks: list[list[np.ndarray]]

    @property
    def y(self) -> np.ndarray:
        return np.array([r["label"] for r in self.records])

    @property
    def speakers(self) -> list[str]:
        return [r["speaker"] for r in self.records]


def select_stats(x: np.ndarray, stats: str) -> np.ndarray:
    """Pooled (n, 2d) mean+std -> the variant: both, the mean alone, or both standardised per utterance."""
    if stats == "mean":
        return x[:, : x.shape[1] // 2]
    if stats == "mean_std_inorm":
        return (x - x.mean(axis=1, keepdims=True)) / (x.std(axis=1, keepdims=True) + 1e-6)
    return x


def pooled(states: list[np.ndarray], masks: list[np.ndarray], stats: str = "mean_std") -> np.ndarray:
    """(n, d) training features: each clip's voiced frames pooled whole."""
    return select_stats(np.stack([pool_states(s, m) for s, m in zip(states, masks)]), stats)


def app_logits(head: DenseHead, states: list[np.ndarray], masks: list[np.ndarray], window_s: float,
               stats: str = "mean_std") -> np.ndarray:
    """Log of the whole-clip probabilities as the app computes them (library/audio/windows.py)."""
    def predict(pooled: np.ndarray) -> np.ndarray:
        return softmax(head.logits(select_stats(pooled, stats)))

    return np.log(np.maximum(np.array([clip_proba(predict, s, m, window_s) for s, m in zip(states, masks)]), 1e-9))


@dataclass
class RecipeResult:
    oof_logits: np.ndarray  # (n, 7) temperature 1, clean clips
    oof_proba: np.ndarray  # (n, 7) with the cross-fitted temperature
    temperature: float
    abstain_below: float
    head: DenseHead | None = None
    oof_proba_augmented: np.ndarray | None = None  # the same clips under a recording condition


def run_recipe(data: Corpus, folds: list[np.ndarray], cfg: HeadConfig, train_copies: int, window_s: float,
               stats: str = "mean_std", fit_final: bool = True) -> RecipeResult:
    y = data.y
    n = len(y)
    feats = [pooled(data.states[c], data.masks[c], stats) for c in range(train_copies + 1)]
    oof = np.zeros((n, 7))
    oof_aug = np.zeros((n, 7)) if len(data.states) > 1 else None
    for val in folds:
        train = np.setdiff1d(np.arange(n), val)
        head = fit_head(np.concatenate([f[train] for f in feats]), np.tile(y[train], len(feats)), cfg)
        oof[val] = app_logits(head, [data.states[0][i] for i in val], [data.masks[0][i] for i in val], window_s, stats)
        if oof_aug is not None:
            oof_aug[val] = app_logits(head, [data.states[1][i] for i in val], [data.masks[1][i] for i in val],
                                      window_s, stats)
    # cross-fitted temperature: each fold calibrated by a T fitted on the other folds' predictions
    proba = np.zeros_like(oof)
    for val in folds:
        rest = np.setdiff1d(np.arange(n), val)
        proba[val] = softmax(oof[val] / fit_temperature(oof[rest], y[rest]))
    t = fit_temperature(oof, y)
    result = RecipeResult(oof, proba, t, abstain_threshold(proba, y),
                          oof_proba_augmented=softmax(oof_aug / t) if oof_aug is not None else None)
    if fit_final:
        head = fit_head(np.concatenate(feats), np.tile(y, len(feats)), cfg)
        head.temperature = t
        result.head = head
    return result
