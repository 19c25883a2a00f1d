"""One recipe, end to end on the cached encoder states: pooled features -> grouped out-of-fold
predictions -> cross-fitted temperature -> the final head on every speaker.

Out-of-fold clips are read through the app's own path (library/audio/windows.py over the clip's
states), so the validation figures are those of the shipped reading, not of a training shortcut.

Two held-out readings of every clip: by a head that never heard its speaker (speaker folds), and by one that never
heard its corpus (leave-one-corpus-out, reported in the card). The temperature is fitted on the speaker folds: pooled
with the corpus folds ("speakers+corpora") it came out at 3.2 and left new speakers of known corpora read far under
their accuracy (ECE 0.21 against 0.03), because a head that never heard a corpus reads it barely above chance
(accuracy 0.24 with Whisper base): the acted corpora differ too much for that shift to stand for a new user's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from library.audio.encoder import pool_states
from library.audio.head import DenseHead, softmax
from library.audio.train.evaluate import abstain_threshold, corpus_folds, fit_class_bias, fit_temperature
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
    loco_proba: np.ndarray | None = None  # each clip read by a head that never heard its corpus (with the temperature)
    class_bias: np.ndarray | None = None  # (7,) added to the logits (already divided by the temperature)


def fold_logits(data: Corpus, feats: list[np.ndarray], folds: list[np.ndarray], cfg: HeadConfig, window_s: float,
                stats: str, copies: tuple[int, ...] = (0,)) -> list[np.ndarray]:
    """(n, 7) logits of each clip, one array per copy read (0 clean, 1.. augmented), by the head of the fold that
    held the clip out."""
    y = data.y
    out = [np.zeros((len(y), 7)) for _ in copies]
    for val in folds:
        train = np.setdiff1d(np.arange(len(y)), val)
        head = fit_head(np.concatenate([f[train] for f in feats]), np.tile(y[train], len(feats)), cfg)
        for logits, copy in zip(out, copies):
            logits[val] = app_logits(head, [data.states[copy][i] for i in val], [data.masks[copy][i] for i in val],
                                     window_s, stats)
    return out


def run_recipe(data: Corpus, folds: list[np.ndarray], cfg: HeadConfig, train_copies: int, window_s: float,
               stats: str = "mean_std", fit_final: bool = True, calibrate_on: str = "speakers+corpora",
               class_bias: bool = False) -> RecipeResult:
    """``calibrate_on``: "speakers" fits the temperature on the speaker folds' predictions alone; "speakers+corpora"
    on those and the leave-one-corpus-out ones together (module doc). ``class_bias``: offsets on the calibrated
    logits that even the classes' held-out recall (evaluate.fit_class_bias), fitted on the same predictions as the
    temperature and cross-fitted like it for the figures."""
    y = data.y
    feats = [pooled(data.states[c], data.masks[c], stats) for c in range(train_copies + 1)]
    oof, *augmented = fold_logits(data, feats, folds, cfg, window_s, stats, tuple(range(min(len(data.states), 2))))
    oof_aug = augmented[0] if augmented else None
    loco = None
    if len({r["corpus"] for r in data.records}) > 1:
        loco = fold_logits(data, feats, corpus_folds(data.records), cfg, window_s, stats)[0]
    pooled_with_corpora = calibrate_on == "speakers+corpora" and loco is not None

    def calibration(idx: np.ndarray) -> tuple[float, np.ndarray]:
        z, labels = (oof[idx], y[idx]) if not pooled_with_corpora else (np.concatenate([oof[idx], loco[idx]]),
                                                                        np.concatenate([y[idx], y[idx]]))
        t = fit_temperature(z, labels)
        return t, (fit_class_bias(z / t, labels) if class_bias else np.zeros(z.shape[1]))

    # cross-fitted calibration: each fold calibrated by what was fitted on the other folds' predictions
    proba = np.zeros_like(oof)
    for val in folds:
        t, b = calibration(np.setdiff1d(np.arange(len(y)), val))
        proba[val] = softmax(oof[val] / t + b)
    t, b = calibration(np.arange(len(y)))
    result = RecipeResult(oof, proba, t, abstain_threshold(proba, y),
                          oof_proba_augmented=softmax(oof_aug / t + b) if oof_aug is not None else None,
                          loco_proba=softmax(loco / t + b) if loco is not None else None,
                          class_bias=b if class_bias else None)
    if fit_final:
        head = fit_head(np.concatenate(feats), np.tile(y, len(feats)), cfg)
        head.temperature = t
        head.biases[-1] = head.biases[-1] + b * t  # softmax(z / t + b) = softmax((z + b t) / t)
        result.head = head
    return result
