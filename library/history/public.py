"""What anyone may read about everyone: aggregates over all stored analyses, never a row.

No ids, no times, no one person's words or figures: means and quantiles of each figure and shares
of each dominant emotion, published under library/history/disclosure.py (over enough people, with
noise), and (text) the words the most people used, each used by at least ``min_users`` of them.
A person's own rows, one per analysis, are their own export (library/history/owners.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from library.emotions import EMOTIONS
from library.history.disclosure import QUANTILES
from library.history.figures import DOMINANT, FIELDS, Earlier

SUMMARY_COLUMNS = ["measure", "n", "mean", "std", *QUANTILES]


def text_summary(everyone: Earlier, trait_names: Sequence[str], min_users: int) -> dict[str, Any]:
    """The public JSON of the text channel (GET /api/v1/history/text)."""
    release = everyone.release
    traits = everyone.column("traits")
    summaries = {name: release.summary(f"traits.{name}", traits[:, i]) for i, name in enumerate(trait_names)}
    words = everyone.top_words(15, min_users)
    return {
        "channel": "text",
        "count": everyone.rows,
        "traits": {name: s for name, s in summaries.items() if s is not None},
        "word_count": release.summary("word_count", everyone.column("word_count")),
        "figures_min_people": release.policy.min_people,
        "figures_note": None if release.open else (
            f"Figures are shown once at least {release.policy.min_people} different people have analysed a text, "
            "so that none can be one person's."),
        "top_words": words,
        "top_words_min_users": min_users,
        "top_words_note": None if words else (
            f"A word is shown once at least {min_users} different people have used it, so that no word can be "
            "one person's."),
    }


def summary_rows(channel: str, everyone: Earlier) -> list[dict[str, Any]]:
    """One row per figure of a channel: ``measure`` (a dotted name) and its summary."""
    rows, release = [], everyone.release
    for name, (_, keys) in FIELDS[channel].items():
        values = everyone.column(name)
        parts = [(name, values)] if keys is None else [(f"{name}.{key}", values[:, i]) for i, key in enumerate(keys)]
        for measure, column in parts:
            summary = release.summary(measure, column)
            if summary is not None:
                rows.append({"measure": measure, **summary})
    if channel in DOMINANT and release.open:  # the channels whose rows name a dominant emotion
        counts = everyone.dominant_counts()
        total = int(counts.sum())
        for emotion, count in zip(EMOTIONS, counts):
            if total:  # the share of analyses whose dominant emotion this was
                share = min(1.0, release.count(f"dominant_share.{emotion}", count) / total)
                rows.append({"measure": f"dominant_share.{emotion}", "n": total, "mean": round(share, 3)})
    return [{"measure": "analyses", "n": everyone.rows}] + rows


def summary_csv(channel: str, everyone: Earlier) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in summary_rows(channel, everyone):
        writer.writerow(row)
    yield buffer.getvalue()
