"""What anyone may read about everyone: aggregates over all stored analyses, never a row.

No ids, no times, no one person's words: means and quantiles of each figure, shares of each
dominant emotion, and (text) the top words summed over everyone once at least ``min_users``
distinct people wrote. A person's own rows, one per analysis, are their own export
(library/history/owners.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from library.emotions import EMOTIONS
from library.history.figures import FIELDS, Earlier

QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
SUMMARY_COLUMNS = ["measure", "n", "mean", "std", *QUANTILES]


def summarise(values: np.ndarray) -> dict[str, float] | None:
    """Mean, spread and quantiles of the values present (NaN skipped); None when there are none."""
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    found = dict(zip(QUANTILES, np.quantile(values, list(QUANTILES.values()))))
    return {"mean": float(values.mean()), "std": float(values.std()), "n": int(values.size),
            **{name: float(v) for name, v in found.items()}}


def text_summary(everyone: Earlier, trait_names: Sequence[str], min_users: int) -> dict[str, Any]:
    """The public JSON of the text channel (GET /api/v1/history/text)."""
    traits = everyone.column("traits")
    summaries = {name: summarise(traits[:, i]) for i, name in enumerate(trait_names)}
    words = everyone.top_words(15, min_users)
    return {
        "channel": "text",
        "count": everyone.rows,
        "traits": {name: s for name, s in summaries.items() if s is not None},
        "word_count": summarise(everyone.column("word_count")),
        "top_words": words,
        "top_words_min_users": min_users,
        "top_words_note": None if words else (
            f"Shown once at least {min_users} different people have analysed a text, so that no list can be "
            "one person's words."),
    }


def summary_rows(channel: str, everyone: Earlier) -> list[dict[str, Any]]:
    """One row per figure of a channel: ``measure`` (a dotted name) and its summary."""
    rows = []
    for name, (_, keys) in FIELDS[channel].items():
        values = everyone.column(name)
        parts = [(name, values)] if keys is None else [(f"{name}.{key}", values[:, i]) for i, key in enumerate(keys)]
        for measure, column in parts:
            summary = summarise(column)
            if summary is not None:
                rows.append({"measure": measure, **summary})
    if channel in ("video", "audio"):
        counts = everyone.dominant_counts()
        total = int(counts.sum())
        for emotion, count in zip(EMOTIONS, counts):
            if total:  # the share of analyses whose dominant emotion this was
                rows.append({"measure": f"dominant_share.{emotion}", "n": total, "mean": float(count) / total})
    return [{"measure": "analyses", "n": everyone.rows}] + rows


def summary_csv(channel: str, everyone: Earlier) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in summary_rows(channel, everyone):
        writer.writerow(row)
    yield buffer.getvalue()
