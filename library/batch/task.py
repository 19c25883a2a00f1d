"""One file -> one output row: the code path both engines run, so their scores are the same."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from library.batch.analyse import analyse_bytes
from library.batch.inputs import Item, open_input
from library.batch.loaders import LIMITS, MB, Engines
from library.batch.rows import SCORES, flatten, scores_json


MAX_BYTES = max(LIMITS["video_max_bytes"], LIMITS["audio_max_bytes"])


def analyse_item(item: Item, engines: Engines) -> dict[str, Any]:
    """The row of ``item``: its id, path, content hash and figures, or its error; never raises for a bad file."""
    start = time.perf_counter()
    sha256 = size = None
    data, error = _read(item.path)
    if data is None:
        result = {"kind": None, "ok": False, "error": error}
    else:
        sha256, size = hashlib.sha256(data).hexdigest(), len(data)
        try:
            result = analyse_bytes(data, Path(item.path), engines)
        except Exception as exc:  # noqa: BLE001 - one file's unforeseen failure is its row; the batch goes on
            result = {"kind": None, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    row = {"id": item.id, "path": item.path, "sha256": sha256, "bytes": size, **flatten(result)}
    row["seconds"] = round(time.perf_counter() - start, 3)
    return {**row, **item.meta, SCORES: scores_json(result)}


def _read(path: str) -> tuple[bytes | None, str | None]:
    """The file's bytes, or None and why not."""
    try:
        with open_input(path) as fh:
            data = fh.read(MAX_BYTES + 1)  # never a whole 50 GB file in memory
    except OSError as exc:
        return None, f"cannot read the file ({exc.strerror or exc})"
    if len(data) > MAX_BYTES:
        return None, f"the file is over {MAX_BYTES // MB} MB, the most any channel takes"
    return data, None
