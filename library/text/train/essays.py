"""The essays the words recipe reads, in one place for its two readers: the essay-feature stage (words.py) and
the personality comparison that must line up with those features row for row (ship.py). A smoke run takes a
fixed subset."""

from __future__ import annotations

import numpy as np

SMOKE_ESSAYS = 60


def training_essays(data_dir, smoke: bool = False) -> tuple[list[str], np.ndarray]:
    """The essays and their trait labels: all of them, or the smoke run's ``SMOKE_ESSAYS`` (seed 0, in order)."""
    from library.text.personality.data import load_essays

    texts, labels = load_essays(data_dir)
    if smoke:
        keep = np.sort(np.random.default_rng(0).permutation(len(texts))[:SMOKE_ESSAYS])
        texts, labels = [texts[i] for i in keep], labels[keep]
    return texts, labels
