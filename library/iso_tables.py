"""What an MP4/MOV/M4A file's sample tables will make FFmpeg allocate, read from the boxes before it opens them.

FFmpeg's MP4 demuxer builds its whole index in ``avformat_open_input`` (PyAV's ``av.open``): one
entry per sample the sample-size box (stsz/stz2) declares, with a copy when there is an edit list,
and the composition offsets (ctts) unrolled to one per sample too, about 64 bytes a sample at
worst. A constant-size stsz states its count in 4 bytes and needs no table behind it, so a 54-KB
file declaring 20 million samples took a worker from 630 MB to 1.94 GB before being refused.
Fragments (moof/traf/trun) add their samples to the same index, and tfra/stco/stsc/stss are
allocated at their declared length. This walk counts all of that from the boxes' own figures,
never reading a table's entries, so it costs a few microseconds a box whatever the file declares.

Written by hand: it reads ~15 box types' counts; the MP4 parsers on PyPI (pymp4, construct-based)
parse whole tables into Python objects, the very allocation this check is here to avoid.
"""

from __future__ import annotations

import struct
from typing import BinaryIO

from library.errors import PayloadTooLarge, UnprocessableInput, UnsupportedMediaType

# Samples the index may hold, all tracks together. A 2-minute recording at 240 fps is 28,800 video
# samples, its AAC sound 5,625; 1 million is 35 times that and about 64 MB of index at worst.
MAX_SAMPLES = 1_000_000
# Boxes whose children are boxes (the path to every table and fragment).
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"moof", b"traf", b"mfra", b"edts", b"dinf"}
# Table boxes: (bytes a declared entry takes in the file) after the version/flags and the count.
# FFmpeg allocates these at the declared count, so a count larger than the box holds is a lie.
_TABLES = {b"stts": 8, b"ctts": 8, b"stsc": 12, b"stco": 4, b"co64": 8, b"stss": 4, b"stps": 4, b"elst": 12}
_MAX_DEPTH = 16


class _Track:
    """What one trak declares that decides the size of its index."""

    def __init__(self):
        self.handler = b""
        self.constant_size = 0
        self.samples = 0
        self.one_tick_per_sample = False  # stts: a single run of samples lasting one tick each
        self.runs = b""  # stsc's rows: (first chunk, samples a chunk, description), 12 bytes each
        self.chunks = 0
        self.edits = 0  # elst entries: FFmpeg copies the index entries each edit covers (all of them, at worst)

    def index_entries(self) -> int:
        """Entries FFmpeg's mov_build_index makes for this track, times its edits (mov_fix_index copies the
        entries each edit covers: 20 edits of a whole 900,000-sample track took +455 MB).

        Uncompressed sound (constant sample size, one tick a sample) is indexed a chunk at a time, in
        pieces of at most 1024 samples, from stsc's figures; everything else, a sample at a time.
        """
        return self._built_entries() * max(1, self.edits)

    def _built_entries(self) -> int:
        if not (self.handler == b"soun" and self.constant_size and self.one_tick_per_sample):
            return self.samples
        total, previous = 0, None
        for first, per_chunk, _ in struct.iter_unpack(">III", self.runs):
            if previous is not None:
                total += max(0, first - previous[0]) * -(-previous[1] // 1024)
            previous = (first, per_chunk)
        if previous is not None:
            total += max(0, self.chunks - previous[0] + 1) * -(-previous[1] // 1024)
        return total


class _Walk:
    def __init__(self, source: BinaryIO, size: int):
        self.source, self.size = source, size
        self.samples = 0
        self.track = _Track()

    def read(self, at: int, n: int) -> bytes:
        self.source.seek(at)
        return self.source.read(n)

    def boxes(self, start: int, end: int, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            raise UnprocessableInput("The file's boxes are nested too deeply to be a recording.")
        pos = start
        while pos + 8 <= end:
            size, kind = struct.unpack(">I4s", self.read(pos, 8))
            header = 8
            if size == 1:  # a 64-bit size follows the type
                if pos + 16 > end:
                    break
                (size,) = struct.unpack(">Q", self.read(pos + 8, 8))
                header = 16
            elif size == 0:  # the box runs to the end of its parent
                size = end - pos
            if size < header:
                raise UnprocessableInput("The file is damaged (a box is shorter than its own header).")
            box_end = min(pos + size, end)  # a box cut by the end of the upload: FFmpeg reads what is there
            self.box(kind, pos + header, box_end, depth)
            pos += size

    def box(self, kind: bytes, start: int, end: int, depth: int) -> None:
        if kind == b"trak":
            self.track = _Track()
            self.boxes(start, end, depth + 1)
            self.add(self.track.index_entries())
        elif kind in _CONTAINERS:
            self.boxes(start, end, depth + 1)
        elif kind == b"cmov":
            # A zlib-compressed movie header: its tables would be unseen here; no camera or browser writes one.
            raise UnsupportedMediaType("Compressed movie headers (cmov) are not read here; please send an "
                                       "ordinary recording.")
        elif kind == b"hdlr" and end - start >= 12 and not self.track.handler:
            self.track.handler = self.read(start + 8, 4)  # mdia's; a QuickTime minf has a data handler after it
        elif kind in _TABLES:
            self.table(kind, start, end)
        elif kind == b"stsz":
            entries = self.count(start, end, 8)  # version/flags, constant size, count
            constant = struct.unpack(">I", self.read(start + 4, 4))[0] if end - start >= 8 else 0
            if entries is not None and not constant and entries * 4 > end - start - 12:
                raise self.lie("stsz", entries)
            self.track.constant_size, self.track.samples = constant, entries or 0
        elif kind == b"stz2":
            self.track.samples = self.count(start, end, 8) or 0
        elif kind == b"trun":
            self.add(self.count(start, end, 4))
        elif kind == b"tfra":
            # version/flags, track id, field sizes (4 bytes), then the count; FFmpeg allocates it whole.
            entries = self.count(start, end, 12)
            if entries is not None and entries * 11 > end - start - 16:
                raise self.lie("tfra", entries)

    def table(self, kind: bytes, start: int, end: int) -> None:
        entries = self.count(start, end, 4)
        if entries is None:
            return
        if entries * _TABLES[kind] > end - start - 8:
            raise self.lie(kind.decode(), entries)
        if kind in (b"stco", b"co64"):
            self.track.chunks = entries
        elif kind == b"elst":
            self.track.edits = entries
        elif kind == b"stts":
            self.track.one_tick_per_sample = entries == 1 and self.read(start + 12, 4) == b"\0\0\0\1"
        elif kind == b"stsc":
            if entries > MAX_SAMPLES:  # more runs of chunks than samples: FFmpeg allocates 12 bytes each
                raise PayloadTooLarge(f"The file's stsc table has {entries:,} entries; at most {MAX_SAMPLES:,}.")
            self.track.runs = self.read(start + 8, entries * 12)  # read as rows only for uncompressed sound

    @staticmethod
    def lie(table: str, entries: int) -> UnprocessableInput:
        return UnprocessableInput(f"The file is damaged (its {table} table declares {entries:,} entries, "
                                  "more than the box holds).")

    def count(self, start: int, end: int, offset: int) -> int | None:
        """The 32-bit entry count at ``offset`` in the box's payload; None when the box is too short to hold one."""
        if end - start < offset + 4:
            return None
        return struct.unpack(">I", self.read(start + offset, 4))[0]

    def add(self, samples: int | None) -> None:
        self.samples += samples or 0
        if self.samples > MAX_SAMPLES:
            raise PayloadTooLarge(f"The file declares more than {MAX_SAMPLES:,} samples in its tables; a 2-minute "
                                  "recording has tens of thousands. Please send an ordinary recording.")


def check_iso_tables(source: BinaryIO) -> int:
    """Refuse an ISO base media file (MP4, MOV, M4A, 3GP) whose tables ask FFmpeg for an unbounded index.

    Returns the samples declared, all tracks and fragments together; the source is left at its start.
    """
    source.seek(0, 2)
    size = source.tell()
    walk = _Walk(source, size)
    try:
        walk.boxes(0, size)
    finally:
        source.seek(0)
    return walk.samples
