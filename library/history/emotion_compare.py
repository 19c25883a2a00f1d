"""One emotion analysis (video or audio) beside the earlier ones of its channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from library.history.disclosure import RANGES
from library.history.figures import Earlier

BLINK_BINS = 20


def compare_emotions(result, earlier: Earlier, emotions: Sequence[str]) -> dict[str, Any]:
    """Mean distribution and most common dominant emotion of earlier users, and blink percentile.

    ``result``: a ``VideoAnalysis`` or ``AudioAnalysis`` (a voice has no blinks). ``earlier_mean`` is the mean of
    the stored ``distribution`` figure: the face's mean probabilities, the voice's share of seconds.

    Earlier blink rates come back as a histogram (``BLINK_BINS`` bins), never one value per person. Everyone's
    means, shares and counts are as published (library/history/disclosure.py): None under its minimum of people.
    """
    release = earlier.release
    distributions = earlier.present("distribution")
    earlier_mean = None
    if distributions.shape[0] and release.open:
        earlier_mean = {e: release.mean(f"distribution.{e}", distributions[:, i]) for i, e in enumerate(emotions)}
    dominants = earlier.dominant_counts()
    total = int(dominants.sum()) if release.open else 0
    dominants = np.array([release.count(f"dominant_share.{e}", c) for e, c in zip(emotions, dominants)])
    counts_blinks = hasattr(result, "blinks_per_minute")  # the face does; the voice has no blinks
    blink_rates = earlier.present("blinks_per_minute") if counts_blinks else np.empty(0)
    mine = result.blinks_per_minute if counts_blinks else None
    blink_rank = release.percentile("blinks_per_minute", float(mine), blink_rates) if mine is not None else (None, None)
    return {
        "n_earlier": int(distributions.shape[0]),
        "earlier_mean": earlier_mean,
        "earlier_most_common": {"emotion": emotions[int(np.argmax(dominants))], "share": float(dominants.max()) / total}
        if total else None,
        "n_earlier_blinks": int(blink_rates.size),
        "earlier_blink_histogram": blink_histogram(blink_rates, release) if release.open else [],
        "earlier_blink_mean": release.mean("blinks_per_minute", blink_rates),
        "blink_percentile": blink_rank[0],
        "blink_tied": blink_rank[1],
    }


def blink_histogram(rates: np.ndarray, release) -> list[dict[str, float]]:
    """Counts of earlier blink rates in equal bins over the figure's fixed range (edges from the data would be
    its lowest and highest values, each one person's), each count noised: ``[{"start", "end", "count"}, ...]``."""
    if rates.size == 0:
        return []
    low, high = RANGES["blinks_per_minute"]
    counts, edges = np.histogram(np.clip(rates, low, high), bins=BLINK_BINS, range=(low, high))
    return [{"start": float(edges[i]), "end": float(edges[i + 1]), "count": release.count(f"blinks.bin{i}", c)}
            for i, c in enumerate(counts)]
