"""What to analyse: files, folders (recursively, by content) and manifest CSVs, as ``Item``s.

A folder contributes each file whose first bytes say it is something the batch reads (a PDF, a video
or audio container, or UTF-8 text), whatever its name; hidden files and anything else are left out
and counted. A file named on the command line is always analysed (a bad one becomes an error row).
A manifest is a CSV with a ``path`` column (relative paths are read from the manifest's folder; a URL
such as ``s3://bucket/a.mp4`` is read through fsspec, with that protocol's package installed), an
optional ``id`` and any other columns, which are passed through to the output row. A manifest's local
files (paths, ``file://`` URLs) must lie inside its own folder, links resolved: a manifest from someone
else cannot have the batch read (and write into its rows) any file the user can read.

Only regular files are read: a local path or a ``file://`` URL naming a device (``/dev/zero`` had a
batch read forever at 100% CPU), a pipe (which blocked) or a folder is an error row.
"""

from __future__ import annotations

import csv
import hashlib
import os
import stat
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
            for line, record in enumerate(reader, start=2):
                where = (record.get("path") or "").strip()
                if not where:
                    continue
                file = where if is_url(where) or Path(where).is_absolute() else str(base / where)
                _check_inside(path, line, file, base)
                rows.append((file, (record.get("id") or "").strip() or where,
                             {renamed[c]: record.get(c) or "" for c in columns}))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc})") from exc
    return rows, list(renamed.values())


def _check_inside(manifest: Path, line: int, file: str, base: Path) -> None:
    """Refuse a local file of a manifest outside the manifest's folder (links resolved)."""
    try:
        local = local_target(file) if is_url(file) else file
    except OSError:
        return  # an unknown protocol or a chained URL: its row says it cannot be read
    if local is None:
        return  # a remote URL (s3://...): read through its own protocol's permissions
    root = base.resolve()
    if not Path(local).resolve().is_relative_to(root):
        raise ManifestError(f"{manifest}, line {line}: {file} is outside the manifest's folder ({root}); a manifest "
                            "may only name files inside its own folder")


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
    return "://" in str(path) or "::" in str(path)


def local_target(url: str) -> str | None:
    """The local path a ``file://`` (or ``local://``) URL names; None for a remote URL.

    Chained URLs (``simplecache::file://...``) are refused: their outer layer would read the file its own way.
    """
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    if "::" in url:
        raise OSError(f"{url}: chained URLs are not read; give the file's own URL")
    try:
        fs, inner = fsspec.core.url_to_fs(url)
    except (ValueError, ImportError) as exc:  # unknown protocol, or its package is not installed
        raise OSError(str(exc)) from exc
    return inner if isinstance(fs, LocalFileSystem) else None


def _open_regular(path: str):
    """A local regular file, open for reading; OSError for anything else.

    Opened before it is judged (no gap for it to be swapped), without waiting: a pipe would block ``open``
    until someone writes to it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a folder, a pipe, /dev/zero: nothing to read whole
            raise OSError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_input(path: str):
    """A binary file object over a local path or an fsspec URL (``s3://`` with s3fs installed, ``gs://``...).
    Raises OSError for anything that cannot be read whole (a folder, a pipe, a device, an unknown protocol)."""
    if is_url(path):
        import fsspec

        local = local_target(path)
        if local is not None:
            return _open_regular(local)
        try:
            return fsspec.open(path, "rb").open()
        except (ValueError, ImportError) as exc:
            raise OSError(str(exc)) from exc
    return _open_regular(path)


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
