"""One emotion analysis (video or audio) beside the earlier ones of its channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from library.history.compare import percentile, tied_share
from library.history.figures import Earlier

BLINK_BINS = 20


def compare_emotions(scores: dict[str, Any], earlier: Earlier, emotions: Sequence[str]) -> dict[str, Any]:
    """Mean distribution and most common dominant emotion of earlier users, and blink percentile.

    Earlier blink rates come back as a histogram (``BLINK_BINS`` bins), never one value per person.
    """
    distributions = earlier.present("distribution")
    earlier_mean = None
    if distributions.shape[0]:
        earlier_mean = {e: float(v) for e, v in zip(emotions, distributions.mean(axis=0))}
    dominants = earlier.dominant_counts()
    total = int(dominants.sum())
    blink_rates = earlier.present("blinks_per_minute")
    mine = scores.get("blinks_per_minute")
    return {
        "n_earlier": int(distributions.shape[0]),
        "earlier_mean": earlier_mean,
        "earlier_most_common": {"emotion": emotions[int(np.argmax(dominants))], "share": float(dominants.max()) / total}
        if total else None,
        "n_earlier_blinks": int(blink_rates.size),
        "earlier_blink_histogram": blink_histogram(blink_rates),
        "earlier_blink_mean": float(np.mean(blink_rates)) if blink_rates.size else None,
        "blink_percentile": percentile(float(mine), blink_rates) if mine is not None else None,
        "blink_tied": tied_share(float(mine), blink_rates) if mine is not None else None,
    }


def blink_histogram(rates: np.ndarray) -> list[dict[str, float]]:
    """Counts of earlier blink rates in equal bins: ``[{"start", "end", "count"}, ...]``."""
    if rates.size == 0:
        return []
    counts, edges = np.histogram(rates, bins=BLINK_BINS)
    return [{"start": float(edges[i]), "end": float(edges[i + 1]), "count": int(c)} for i, c in enumerate(counts)]
