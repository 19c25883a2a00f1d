"""Which encoder frames each reading pools: the whole clip, and each second of a timeline.

The head learned from acted utterances of 1.5-5 s, pooled over their voiced frames. Readings
at run time keep to that shape:

* whole clip: if the voiced span (first to last voiced frame) fits one ``window_s`` window, the
  voiced frames of the span pooled at once (exactly as in training); a longer span is covered by
  half-overlapping windows whose probabilities are averaged, weighted by their voiced frames;
* per second ``t``: the ``window_s`` window centred on the middle of the step (slid inside the
  recording), for steps that hold at least ``min_voiced_s`` of voice; silent steps are left out.

Every window reads states of the encoder pass over the recording (its stretches' passes side by side,
library/audio/stretches.py): no second pass per second.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from library.audio.encoder import FRAME_S, pool_states

WINDOW_S = 3.0


def _span(mask: np.ndarray) -> tuple[int, int]:
    idx = np.flatnonzero(mask)
    return (int(idx[0]), int(idx[-1]) + 1) if len(idx) else (0, len(mask))


def _window(n_frames: int, centre: float, width: int) -> tuple[int, int]:
    start = int(round(centre - width / 2))
    start = min(max(start, 0), max(n_frames - width, 0))
    return start, min(n_frames, start + width)


def clip_windows(mask: np.ndarray, window_s: float = WINDOW_S) -> tuple[list[tuple[int, int]], np.ndarray]:
    """Frame ranges [(a, b)] and their weights (sum 1) for the whole-clip reading."""
    width = int(round(window_s / FRAME_S))
    a, b = _span(mask)
    if b - a <= width:
        ranges = [(a, b)]
    else:
        n = math.ceil((b - a - width) / (width / 2)) + 1
        ranges = [(int(round(s)), int(round(s)) + width) for s in np.linspace(a, b - width, n)]
    w = np.array([mask[x:y].sum() for x, y in ranges], dtype=np.float64) + 1e-3
    return ranges, w / w.sum()


def second_windows(mask: np.ndarray, step_s: float = 1.0, min_voiced_s: float = 0.1,
                   window_s: float = WINDOW_S) -> tuple[list[float], list[tuple[int, int]]]:
    """Start times of the voiced steps and the frame range each one pools; may be empty."""
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    n = len(mask)
    width = int(round(window_s / FRAME_S))
    per_step = step_s / FRAME_S
    times, ranges = [], []
    for k in range(max(1, math.ceil(n * FRAME_S / step_s - 1e-9))):
        a, b = int(round(k * per_step)), int(round((k + 1) * per_step))
        if mask[a:b].sum() * FRAME_S < min_voiced_s:
            continue
        times.append(round(k * step_s, 6))
        ranges.append(_window(n, (a + min(b, n)) / 2, width))
    return times, ranges


def clip_proba(predict: Callable[[np.ndarray], np.ndarray], states: np.ndarray, mask: np.ndarray,
               window_s: float = WINDOW_S) -> np.ndarray:
    """Whole-clip probabilities: ``predict`` (pooled windows (n, 768) -> (n, 7)) over the clip's
    windows, averaged by their voiced frames. One function for the app and for validation, so the
    figures measured are those of the app's reading."""
    ranges, w = clip_windows(mask, window_s)
    pooled = np.stack([pool_states(states[a:b], mask[a:b]) for a, b in ranges])
    return (predict(pooled) * w[:, None]).sum(axis=0)
