"""What to analyse: files, folders (recursively, by content) and manifest CSVs, as ``Item``s.

A folder contributes each file whose first bytes say it is something the batch reads (a PDF, a video
or audio container, or UTF-8 text), whatever its name; hidden files and anything else are left out
and counted. A file named on the command line is always analysed (a bad one becomes an error row).
A manifest is a CSV with a ``path`` column (relative paths are read from the manifest's folder; a URL
such as ``s3://bucket/a.mp4`` is read through fsspec, with that protocol's package installed), an
optional ``id`` and any other columns, which are passed through to the output row.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from library.batch.rows import NAMES, SCORES

HEAD_BYTES = 4096


class ManifestError(ValueError):
    """A manifest that cannot be read as one (no ``path`` column, not CSV)."""


@dataclass(frozen=True)
class Item:
    """One file to analyse: where it is, the id its row carries, metadata passed through."""

    index: int
    path: str
    id: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Inputs:
    items: list[Item]
    meta_columns: list[str]
    left_out: int = 0  # files in folders that are not something the batch reads


def collect(paths: list[Path], manifests: list[Path] = ()) -> Inputs:
    entries: list[tuple[str, str, dict[str, str]]] = []
    meta_columns: list[str] = []
    left_out = 0
    for manifest in manifests:
        rows, columns = read_manifest(manifest)
        entries += rows
        meta_columns += [c for c in columns if c not in meta_columns]
    for path in paths:
        if path.is_dir():
            found, skipped = _walk(path)
            entries += [(str(p), str(p), {}) for p in found]
            left_out += skipped
        else:
            entries.append((str(path), str(path), {}))
    items = [Item(i, p, ident, meta) for i, (p, ident, meta) in enumerate(entries)]
    return Inputs(items, meta_columns, left_out)


def read_manifest(path: Path) -> tuple[list[tuple[str, str, dict[str, str]]], list[str]]:
    """``[(path, id, metadata)]`` and the metadata column names (renamed ``meta_X`` where they clash)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            if "path" not in header:
                raise ManifestError(f"{path}: a manifest needs a 'path' column (found {', '.join(header) or 'none'})")
            columns = [c for c in header if c not in ("path", "id")]
            renamed = {c: (f"meta_{c}" if c in NAMES or c == SCORES else c) for c in columns}
            base = path.parent
            rows = []
            for record in reader:
                where = (record.get("path") or "").strip()
                if not where:
                    continue
                file = where if is_url(where) or Path(where).is_absolute() else str(base / where)
                rows.append((file, (record.get("id") or "").strip() or where,
                             {renamed[c]: record.get(c) or "" for c in columns}))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc})") from exc
    return rows, list(renamed.values())


def _walk(folder: Path) -> tuple[list[Path], int]:
    found, skipped = [], 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(root) / name
            if not name.startswith(".") and path.is_file() and readable_kind(path):
                found.append(path)
            else:
                skipped += 1
    return found, skipped


def readable_kind(path: Path) -> bool:
    """Whether the first bytes are a PDF, a video/audio container or UTF-8 text (a cheap look, no decoding)."""
    from library.audio.decode import sniff as sniff_audio
    from library.video.video_file import sniff_container

    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    if not head:
        return False
    if b"%PDF-" in head[:1024] or sniff_container(head[:64]) or sniff_audio(head[:64]):
        return True
    return _utf8_text(head)


def _utf8_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not just a character cut at the end of the sample
            return False
        text = head[:exc.start].decode("utf-8")
    return not any(ord(c) < 32 and c not in "\t\n\r\f" for c in text)


def is_url(path: str) -> bool:
    return "://" in str(path)


def open_input(path: str):
    """A binary file object over a local path or an fsspec URL (``s3://`` with s3fs installed, ``gs://``...).
    Raises OSError for anything that cannot be read whole (a folder, a pipe, an unknown protocol)."""
    if is_url(path):
        import fsspec

        try:
            return fsspec.open(path, "rb").open()
        except (ValueError, ImportError) as exc:  # unknown protocol, or its package is not installed
            raise OSError(str(exc)) from exc
    local = Path(path)
    if local.exists() and not local.is_file():  # a folder, a pipe, /dev/zero: nothing to read whole
        raise OSError(f"{path} is not a regular file")
    return open(local, "rb")


def content_hash(path: str | Path) -> str | None:
    """SHA-256 of the file's bytes (read in 1 MB pieces), or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open_input(str(path)) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
