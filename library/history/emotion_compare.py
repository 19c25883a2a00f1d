"""One emotion analysis (video or audio) beside the earlier ones of its channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from library.history.compare import percentile


def compare_emotions(scores: dict[str, Any], earlier: Sequence[dict[str, Any]], emotions: Sequence[str]) -> dict[str, Any]:
    """Mean distribution and most common dominant emotion of earlier users, and blink percentile."""
    distributions = [row["distribution"] for row in earlier if row.get("distribution")]
    earlier_mean = None
    if distributions:
        mean = np.mean([[d[e] for e in emotions] for d in distributions], axis=0)
        earlier_mean = {e: float(v) for e, v in zip(emotions, mean)}
    dominants = Counter(row["dominant"] for row in earlier if row.get("dominant"))
    most_common = dominants.most_common(1)[0] if dominants else None
    blink_rates = [float(row["blinks_per_minute"]) for row in earlier if row.get("blinks_per_minute") is not None]
    mine = scores.get("blinks_per_minute")
    return {
        "n_earlier": len(distributions),
        "earlier_mean": earlier_mean,
        "earlier_most_common": {"emotion": most_common[0], "share": most_common[1] / sum(dominants.values())}
        if most_common else None,
        "earlier_blink_rates": blink_rates,
        "earlier_blink_mean": float(np.mean(blink_rates)) if blink_rates else None,
        "blink_percentile": percentile(float(mine), blink_rates) if mine is not None else None,
    }
