"""One file -> one output row: the code path both engines run, so their scores are the same."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from library.batch.analyse import analyse_bytes
from library.batch.inputs import Item, open_input
from library.batch.loaders import MB, Engines
from library.batch.rows import SCORES, flatten, scores_json
from library.limits import Limits, default_limits


def analyse_item(item: Item, engines: Engines) -> dict[str, Any]:
    """The row of ``item``: its id, path, content hash and figures, or its error; never raises for a bad file."""
    start = time.perf_counter()
    sha256 = size = None
    limits = default_limits()  # the app's (library/limits.py), read in this process: a Ray actor's own
    data, error = _read(item.path, limits)
    if data is None:
        result = {"kind": None, "ok": False, "error": error}
    else:
        sha256, size = hashlib.sha256(data).hexdigest(), len(data)
        try:
            result = analyse_bytes(data, Path(item.path), engines, limits)
        except Exception as exc:  # noqa: BLE001 - one file's unforeseen failure is its row; the batch goes on
            result = {"kind": None, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    row = {"id": item.id, "path": item.path, "sha256": sha256, "bytes": size, **flatten(result)}
    row["seconds"] = round(time.perf_counter() - start, 3)
    return {**row, **item.meta, SCORES: scores_json(result)}


def _read(path: str, limits: Limits | None = None) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and why not (over the most any channel takes)."""
    limits = limits or default_limits()
    max_bytes = max(limits.video.max_bytes, limits.audio.max_bytes)
    try:
        with open_input(path) as fh:
            data = fh.read(max_bytes + 1)  # never a whole 50 GB file in memory
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or exc})"
    if len(data) > max_bytes:
        return None, f"the file is over {max_bytes // MB} MB, the most any channel takes"
    return data, None
