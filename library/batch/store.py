"""``--store``: each good row into the history database once, however often the batch runs.

The stored row's id is derived from the file's content hash, and ``analyses.public_id`` is unique:
a second write of the same file is refused by the database itself, so neither a rerun, a resumed
run nor two runs at once can count a file twice. The scores are the shape the web app stores for
the channel, so the dashboards compare web users with the batch. Batch rows have no owner: they
count in everyone's comparisons and open for no one on the web.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError

from library.batch.rows import SCORES
from library.history.store import HistoryStore
from library.stored_kinds import STORED_KINDS


def stored_id(sha256: str) -> str:
    """The ``public_id`` of a file's row: 32 hex characters from its content hash."""
    return hashlib.sha256(b"esapr-batch\0" + sha256.encode()).hexdigest()[:32]


class BatchStore:
    def __init__(self, url: str):
        self.history = HistoryStore(url, STORED_KINDS)  # makes the tables on a new database

    def close(self) -> None:
        self.history.close()

    def add(self, rows: list[dict[str, Any]]) -> int:
        """Store the good rows not stored yet; returns how many were added."""
        wanted = {stored_id(r["sha256"]): r for r in rows if r["ok"] and r["sha256"] and r.get(SCORES)}
        added = 0
        ids = list(wanted)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            present = self.history.ids_present(chunk)
            for public_id in chunk:
                if public_id not in present:
                    added += self._insert(public_id, wanted[public_id])
        return added

    def _insert(self, public_id: str, row: dict[str, Any]) -> int:
        try:
            result = STORED_KINDS.read(row["channel"], json.loads(row[SCORES]))
            self.history.add(row["channel"], result, public_id=public_id)  # no owner: the batch's
        except IntegrityError:
            return 0  # another run stored it between our look and our write
        return 1
