"""The output folder: Parquet and CSV written as the files finish, and what a rerun may skip.

    OUT/parts/*.parquet   one small Parquet file per finished file, written whole then renamed into place
    OUT/results.csv       the same rows, appended as they come (without ``scores_json``)
    OUT/results.parquet   every row, written at the end of a run from the parts (which then go)

A run killed at any point leaves every finished file in a part; the next run reads the parts and
``results.parquet`` together, skips each content hash that has a good row, tries failed files again
(their new row replaces the old one) and rewrites ``results.csv`` from them, dropping a line cut
short by the kill. One run at a time per folder (a lock file says so).

Nothing inside the folder is followed if it is a link: the lock and every temporary file are created anew
without following links (a link planted as ``results.csv.tmp`` or ``.lock`` had files outside the folder
truncated or overwritten), parts and ``results.parquet`` are read only when they are regular files, and a
``parts`` that is not a real folder is refused (another folder's parts were merged, then deleted). Text in
``results.csv`` that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a
leading apostrophe, as OWASP advises for CSV injection; the Parquet keeps the values as they are.
"""

from __future__ import annotations

import csv
import fcntl
import os
import stat
import time
import uuid
from pathlib import Path
from typing import Any

from library.batch.rows import COLUMNS, NAMES, SCORES

RESULTS, CSV_NAME, PARTS, LOCK = "results.parquet", "results.csv", "parts", ".lock"
_ARROW_TYPES = {"str": "string", "float": "float64", "int": "int64", "bool": "bool_"}


class OutputBusy(RuntimeError):
    """Another run is writing to the same folder."""


class OutputUnsafe(OutputBusy):
    """The folder holds a link or an odd file where the batch writes (an OutputBusy, so the command line says it
    in a sentence, as it says a busy folder)."""


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_regular(path: Path) -> bool:
    """A regular file itself, not a link to one (nor a folder, a pipe, a device)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _real_folder(path: Path) -> Path:
    """``path`` made if missing; refused when it is a link or not a folder."""
    try:
        path.mkdir(exist_ok=True)
        mode = os.lstat(path).st_mode
    except OSError as exc:
        raise OutputUnsafe(f"{path}: cannot be made or read as a folder ({exc.strerror or exc})") from exc
    if not stat.S_ISDIR(mode):
        raise OutputUnsafe(f"{path} is a link or not a folder; the batch writes only into a real folder")
    return path


def _new_file(path: Path, mode: str = "wb", **kwargs):
    """A file that did not exist (never through a link), open for writing."""
    return os.fdopen(os.open(path, _NEW_FILE, 0o644), mode, **kwargs)


def _temporary(folder: Path, name: str) -> Path:
    return folder / f"{name}.{uuid.uuid4().hex[:12]}.tmp"


def schema(meta_columns: list[str]):
    import pyarrow as pa

    fields = [pa.field(n, getattr(pa, _ARROW_TYPES[t])()) for n, t in COLUMNS]
    fields += [pa.field(c, pa.string()) for c in meta_columns] + [pa.field(SCORES, pa.string())]
    return pa.schema(fields)


def read_rows(folder: Path) -> list[dict[str, Any]]:
    """Every row in the folder, one per content hash: a good row wins, else the latest failure.
    Rows without a hash (a file that could not be read) are kept as they are."""
    import pyarrow.parquet as pq

    folder = Path(folder)
    files = [folder / RESULTS] + sorted((folder / PARTS).glob("*.parquet"))
    files = [file for file in files if _is_regular(file)]
    keyed: dict[str, dict[str, Any]] = {}
    unkeyed: list[dict[str, Any]] = []
    for file in files:
        for row in pq.read_table(file).to_pylist():
            key = row.get("sha256")
            if key is None:
                unkeyed.append(row)
            elif key not in keyed or not keyed[key]["ok"]:
                keyed[key] = row
    return list(keyed.values()) + unkeyed


class Output:
    """Rows of one run, each on disk as soon as it is added."""

    def __init__(self, folder: Path, meta_columns: list[str]):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        _real_folder(self.folder / PARTS)
        try:  # never truncated, never through a link
            self._lock = os.fdopen(os.open(self.folder / LOCK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                                           0o644), "w")
        except OSError as exc:
            raise OutputUnsafe(f"{self.folder / LOCK} cannot be opened as the folder's lock ({exc.strerror})") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise OutputBusy(f"{self.folder} is being written by another run; wait for it or choose another --out")
        self.previous = read_rows(self.folder)
        self.meta_columns = list(dict.fromkeys(
            [c for row in self.previous for c in row if c not in NAMES and c != SCORES] + list(meta_columns)))
        self.schema = schema(self.meta_columns)
        # Unique per run, not per second and process: two runs of one process within a second (a resumed run right
        # after an interrupted one) wrote the same part names, so the second overwrote the first's rows.
        self._run = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._count = 0
        self._csv = self._rewrite_csv(self.previous)

    def done(self) -> set[str]:
        """Content hashes that already have a good row."""
        return {row["sha256"] for row in self.previous if row["ok"] and row["sha256"]}

    def add(self, row: dict[str, Any]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._count += 1
        final = self.folder / PARTS / f"{self._run}-{self._count:07d}.parquet"
        temporary = _temporary(self.folder / PARTS, final.name)
        with _new_file(temporary) as fh:
            pq.write_table(pa.Table.from_pylist([row], schema=self.schema), fh)
        os.replace(temporary, final)  # a part is whole or absent
        self._writer.writerow(_csv_row(row, self.schema.names))
        self._csv.flush()

    def finish(self) -> list[dict[str, Any]]:
        """Every row (this run and before) into ``results.parquet`` and ``results.csv``; the parts go."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = read_rows(self.folder)
        temporary = _temporary(self.folder, RESULTS)
        with _new_file(temporary) as fh:
            pq.write_table(pa.Table.from_pylist(rows, schema=schema(self.meta_columns)), fh)
        os.replace(temporary, self.folder / RESULTS)
        for part in (self.folder / PARTS).glob("*.parquet"):
            part.unlink()  # a crash before this: read_rows keeps one row per hash anyway (a link goes, not its file)
        self._csv.close()
        self._csv = self._rewrite_csv(rows)
        return rows

    def close(self) -> None:
        self._csv.close()
        self._lock.close()

    def _rewrite_csv(self, rows: list[dict[str, Any]]):
        names = [n for n in self.schema.names if n != SCORES]
        temporary = _temporary(self.folder, CSV_NAME)
        handle = _new_file(temporary, "w", newline="", encoding="utf-8")
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(_csv_row(row, self.schema.names) for row in rows)
        handle.flush()
        os.replace(temporary, self.folder / CSV_NAME)  # the open file is now results.csv: appended to from here
        self._writer = writer
        return handle


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_row(row: dict[str, Any], names: list[str]) -> list[Any]:
    return ["" if row.get(n) is None else _csv_cell(row.get(n)) for n in names if n != SCORES]
