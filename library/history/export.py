"""History as CSV: one flat row per analysis, nested scores as dotted column names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from library.history.store import Analysis


def flatten(scores: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in scores.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, prefix=f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = json.dumps(value, ensure_ascii=False)  # keeps one cell per field
        else:
            flat[name] = value
    return flat


def _csv_safe(value: Any) -> Any:
    # Spreadsheet formula injection: a cell starting with = + - @ runs as a formula
    # in Excel/LibreOffice. Our values are derived, but words come from user text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(analyses: Iterable[Analysis]) -> Iterator[str]:
    """Yield the CSV text in chunks (header first); columns are the union over rows, sorted."""
    rows = [
        {"id": a.id, "channel": a.channel, "created_at": a.created_at.isoformat(), **flatten(a.scores)}
        for a in analyses
    ]
    fixed = ["id", "channel", "created_at"]
    extra = sorted({k for row in rows for k in row} - set(fixed))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fixed + extra, extrasaction="ignore")
    writer.writeheader()
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
        yield buffer.getvalue()
