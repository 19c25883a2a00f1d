"""Compare one person's scores with earlier users' (means, percentiles, words)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np


def percentile(value: float, others: Sequence[float]) -> float | None:
    """Share of ``others`` below ``value`` (ties count half), in percent; None with no others."""
    if len(others) == 0:
        return None
    arr = np.asarray(others, dtype=float)
    below = np.count_nonzero(arr < value)
    ties = np.count_nonzero(arr == value)
    return float(100.0 * (below + 0.5 * ties) / arr.size)


def tied_share(value: float, others: Sequence[float]) -> float | None:
    """Share of ``others`` equal to ``value``, in percent (so the page can say "the same as", not "higher
    than", for ties); None with no others."""
    if len(others) == 0:
        return None
    return float(100.0 * np.count_nonzero(np.asarray(others, dtype=float) == value) / len(others))


def summarise_traits(rows: Iterable[Mapping[str, float]], names: Sequence[str]) -> dict[str, dict[str, float]]:
    """Mean, std and quartiles of each named score over ``rows`` (missing names skipped)."""
    table = {name: [] for name in names}
    for row in rows:
        for name in names:
            if name in row:
                table[name].append(float(row[name]))
    summary = {}
    for name, values in table.items():
        if not values:
            continue
        arr = np.asarray(values)
        q10, q25, q50, q75, q90 = np.quantile(arr, [0.1, 0.25, 0.5, 0.75, 0.9])
        summary[name] = {
            "mean": float(arr.mean()), "std": float(arr.std()), "n": int(arr.size),
            "p10": float(q10), "p25": float(q25), "median": float(q50), "p75": float(q75), "p90": float(q90),
        }
    return summary


def merge_word_counts(lists: Iterable[Sequence[Sequence]], top_n: int = 15) -> list[tuple[str, int]]:
    """Sum several ``[[word, count], ...]`` lists and keep the ``top_n`` most frequent words."""
    total: Counter[str] = Counter()
    for pairs in lists:
        for word, count in pairs:
            total[str(word)] += int(count)
    return total.most_common(top_n)
