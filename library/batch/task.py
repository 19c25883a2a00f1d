"""One file -> one output row: the code path both engines run, so their scores are the same."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from library.batch.analyse import analyse_bytes
from library.batch.inputs import Item
from library.batch.loaders import Engines
from library.batch.rows import SCORES, flatten, scores_json


def analyse_item(item: Item, engines: Engines) -> dict[str, Any]:
    """The row of ``item``: its id, path, content hash and figures, or its error; never raises for a bad file."""
    start = time.perf_counter()
    path = Path(item.path)
    sha256 = size = None
    try:
        if path.exists() and not path.is_file():  # a folder, a pipe, /dev/zero: nothing to read whole
            raise OSError(f"{path} is not a regular file")
        data = path.read_bytes()
    except OSError as exc:
        result = {"kind": None, "ok": False, "error": f"cannot read the file ({exc.strerror or exc})"}
    else:
        sha256, size = hashlib.sha256(data).hexdigest(), len(data)
        try:
            result = analyse_bytes(data, path, engines)
        except Exception as exc:  # noqa: BLE001 - one file's unforeseen failure is its row; the batch goes on
            result = {"kind": None, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
    row = {"id": item.id, "path": item.path, "sha256": sha256, "bytes": size, **flatten(result)}
    row["seconds"] = round(time.perf_counter() - start, 3)
    return {**row, **item.meta, SCORES: scores_json(result)}
