"""Everyone's comparable figures, per channel, kept in memory and brought up to date by what changed.

A dashboard compares one result with every earlier one of its channel. Reading and parsing every
earlier row on each page made its cost grow with the history (0.72 s at 5,000 text rows, #15). Here
each process keeps, per channel, only the numbers the comparisons use, as numpy arrays in row
order, and before each use asks the database one cheap question: how many rows are there, and
what is the newest ``seq``? Unchanged: nothing is read. New rows: only those are read (the JSON
fields named in ``FIELDS``, not the whole scores). Rows gone (deleted, purged) or rows that
committed out of order: the list of ``seq`` numbers is read and the arrays follow it. A page then
costs a few vectorised operations over arrays, the same at 100 and at 100,000 earlier users.

Words are counted in a sparse form (a vocabulary and, per row, word ids and counts). A word is
only ever shown once at least ``min_users`` distinct people (owners of a stored analysis) used it:
made-up people can raise the number of writers, never the number who used someone's own words.
What is published from these arrays, and with what noise, is library/history/disclosure.py.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from library.emotions import EMOTIONS
from library.history.disclosure import Disclosure, Release
from library.history.schema import _AnalysisRow
from library.text.personality.traits import TRAITS

# Per channel: column name -> (path in the scores JSON, keys of a dict value or None for a number). The keys are
# those the stored results' dataclasses write (library/results.py; tests/test_results.py checks they agree).
FIELDS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]]] = {
    "text": {"traits": (("traits",), TRAITS), "word_count": (("word_count",), None)},
    "video": {"distribution": (("distribution",), EMOTIONS), "blinks_per_minute": (("blinks_per_minute",), None)},
    "audio": {"distribution": (("distribution",), EMOTIONS)},  # the share of seconds; a voice has no blinks
    "interview": {"fused": (("report", "fused", "probabilities"), EMOTIONS)},
}
DOMINANT = {"video": ("dominant",), "audio": ("dominant",)}  # a label, counted per emotion
WORDS = {"text": ("top_words",)}
_BATCH = 500  # rows fetched by seq at a time (bound parameters stay few)
_PART = 5000  # rows collected as Python objects before they become arrays (bounds the memory of a first read)


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return np.nan
    return number if np.isfinite(number) else np.nan


def _numbers(raw: list, shape: tuple[int, ...]) -> np.ndarray:
    """``_number`` of every value, in one numpy conversion when they are all numbers or None (the stored rows are),
    value by value otherwise: the first read of 40,000 rows spent a third of its time converting one at a time."""
    try:
        found = np.array(raw, dtype=float)
    except (TypeError, ValueError):
        found = None
    if found is None or found.shape != shape:
        found = np.array([[_number(v) for v in row] for row in raw] if len(shape) == 2 else [_number(v) for v in raw],
                         dtype=float).reshape(shape)
    found[~np.isfinite(found)] = np.nan
    return found


def _owner_code(owner: str | None) -> int:
    """A 56-bit number per owner hash (0: rows made before owners existed), so that no table of owners is kept;
    two owners would share one with odds of about n^2 / 2^57 (1 in 10^7 at 100,000 people)."""
    if owner is None:
        return 0
    return int.from_bytes(hashlib.blake2b(owner.encode("ascii", "replace"), digest_size=7).digest(), "big") or 1


@dataclass
class _Rows:
    """Figures of some rows of one channel, in ``seq`` order (NaN where a row lacks a figure).

    Words are sparse: row i's word ids and counts are ``word_ids[offsets[i]:offsets[i + 1]]``.
    """

    seq: np.ndarray
    owner: np.ndarray  # ``_owner_code`` of each row's owner
    columns: dict[str, np.ndarray]
    dominant: np.ndarray  # index into EMOTIONS, -1 when absent
    offsets: np.ndarray
    word_ids: np.ndarray
    word_counts: np.ndarray

    def _lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def keep(self, mask: np.ndarray) -> _Rows:
        entries = np.repeat(mask, self._lengths())
        return _Rows(self.seq[mask], self.owner[mask], {k: v[mask] for k, v in self.columns.items()},
                     self.dominant[mask], np.concatenate([[0], np.cumsum(self._lengths()[mask])]).astype(np.int64),
                     self.word_ids[entries], self.word_counts[entries])

    def ordered(self) -> _Rows:
        if self.seq.size < 2 or bool(np.all(self.seq[1:] > self.seq[:-1])):
            return self  # the usual case: rows read in seq order, appended after the newest held
        order = np.argsort(self.seq, kind="stable")
        lengths = self._lengths()[order]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        entries = np.arange(offsets[-1]) - np.repeat(offsets[:-1], lengths) + np.repeat(self.offsets[:-1][order], lengths)
        return _Rows(self.seq[order], self.owner[order], {k: v[order] for k, v in self.columns.items()},
                     self.dominant[order], offsets, self.word_ids[entries], self.word_counts[entries])

    def __add__(self, other: _Rows) -> _Rows:
        return _Rows.concat([self, other])

    @staticmethod
    def concat(parts: list[_Rows]) -> _Rows:
        lengths = np.concatenate([np.diff(p.offsets) for p in parts])
        return _Rows(np.concatenate([p.seq for p in parts]), np.concatenate([p.owner for p in parts]),
                     {k: np.concatenate([p.columns[k] for p in parts]) for k in parts[0].columns},
                     np.concatenate([p.dominant for p in parts]),
                     np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                     np.concatenate([p.word_ids for p in parts]),
                     np.concatenate([p.word_counts for p in parts])).ordered()


class ChannelFigures:
    """All rows of one channel as arrays; ``before(seq)`` gives the earlier ones' summaries."""

    def __init__(self, channel: str, rows: _Rows, vocabulary: list[str], version: tuple[int, int]):
        self.channel = channel
        self.rows = rows
        self.vocabulary = vocabulary
        self.version = version
        # Distinct people among the first k rows = owners whose first row is among them. Rows from
        # before owners existed count as one person together: nothing shows they are several.
        _, first = np.unique(rows.owner, return_index=True)
        self._first_positions = np.sort(first)

    def __len__(self) -> int:
        return int(self.rows.seq.size)

    def before(self, seq: int | None, disclosure: Disclosure | None = None) -> Earlier:
        """The rows stored before ``seq`` (None: all of them), published under ``disclosure``."""
        k = len(self) if seq is None else int(np.searchsorted(self.rows.seq, seq, side="left"))
        return Earlier(self, k, disclosure)


class Earlier:
    """The first ``k`` rows of a channel: what a dashboard compares with.

    ``column`` and ``present`` are the exact figures (a person's percentile among them is computed
    from them); what is shown of everyone goes through ``release`` (library/history/disclosure.py).
    """

    def __init__(self, figures: ChannelFigures, k: int, disclosure: Disclosure | None = None):
        self._figures = figures
        self.k = k
        self.disclosure = disclosure or Disclosure()

    @property
    def release(self) -> Release:
        """The publishing rule over exactly these rows: the same rows give the same published figures."""
        seq = self._figures.rows.seq[: self.k]
        state = f"{self._figures.channel}:{self.k}:{int(seq.sum())}:{int(seq[-1]) if self.k else 0}".encode()
        return Release(self.disclosure, self.distinct_users, state)

    @property
    def rows(self) -> int:
        return self.k

    @property
    def distinct_users(self) -> int:
        return int(np.searchsorted(self._figures._first_positions, self.k, side="left"))

    def column(self, name: str) -> np.ndarray:
        """Values of a figure in these rows (2-D for a dict of figures), NaN where absent."""
        return self._figures.rows.columns[name][: self.k]

    def present(self, name: str) -> np.ndarray:
        """Only the rows that have this figure (a whole row of it, for a dict)."""
        values = self.column(name)
        keep = ~np.isnan(values) if values.ndim == 1 else ~np.isnan(values).any(axis=1)
        return values[keep]

    def dominant_counts(self) -> np.ndarray:
        """How many of these rows had each emotion as the dominant one."""
        labels = self._figures.rows.dominant[: self.k]
        return np.bincount(labels[labels >= 0], minlength=len(EMOTIONS))

    def word_people(self) -> np.ndarray:
        """For each word of the vocabulary, how many distinct people (owners) used it in these rows."""
        rows = self._figures.rows
        end = int(rows.offsets[self.k])
        if end == 0:
            return np.zeros(len(self._figures.vocabulary), np.int64)
        _, person = np.unique(rows.owner[: self.k], return_inverse=True)
        people_of_entries = np.repeat(person, np.diff(rows.offsets[: self.k + 1]))
        vocabulary = max(len(self._figures.vocabulary), 1)
        pairs = np.unique(people_of_entries.astype(np.int64) * vocabulary + rows.word_ids[:end])
        return np.bincount(pairs % vocabulary, minlength=vocabulary)

    def top_words(self, top_n: int, min_users: int) -> list[tuple[str, int]]:
        """The words the most people used, with how many (noised, ``release``); only words that at least
        ``min_users`` distinct people used, so that no word is one person's however many others wrote."""
        release = self.release
        if self.distinct_users < max(1, min_users) or self.k == 0:
            return []
        people = self.word_people()
        shown = np.flatnonzero(people >= max(1, min_users))
        vocabulary = self._figures.vocabulary
        # Never shown under the floor it passed: a count below it would be the noise alone.
        floor = max(1, min_users)
        noisy = [(max(floor, release.count(f"word:{vocabulary[i]}", people[i])), vocabulary[i]) for i in shown]
        noisy.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(word, count) for count, word in noisy[:top_n]]


class FiguresCache:
    """Per channel, the arrays of ``ChannelFigures``, refreshed from the database by difference.

    One per process (web/platform/extensions.py keeps it with the app); safe to share between threads.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._held: dict[str, ChannelFigures] = {}
        self._words: dict[str, dict[str, int]] = {channel: {} for channel in FIELDS}
        # One lock: a refresh reads only what changed, and a first read should happen once, not per thread.
        self._lock = threading.Lock()

    def channel(self, channel: str) -> ChannelFigures:
        with self._lock:
            version = self._version(channel)
            held = self._held.get(channel)
            if held is None or held.version != version:
                held = self._held[channel] = self._refresh(channel, held, version)
            return held

    def _version(self, channel: str) -> tuple[int, int]:
        query = select(func.count(), func.max(_AnalysisRow.seq)).where(_AnalysisRow.channel == channel)
        with self.engine.connect() as conn:
            count, newest = conn.execute(query).one()
        return int(count or 0), int(newest or 0)

    def _refresh(self, channel: str, held: ChannelFigures | None, version: tuple[int, int]) -> ChannelFigures:
        newest = int(held.rows.seq[-1]) if held is not None and len(held) else -1
        rows = self._read(channel, [_AnalysisRow.seq > newest])
        if held is not None:
            rows = held.rows + rows
        if rows.seq.size != version[0]:
            # Rows were deleted, or one committed with an older seq than one already held.
            with self.engine.connect() as conn:
                present = np.fromiter(conn.scalars(select(_AnalysisRow.seq).where(_AnalysisRow.channel == channel)),
                                      dtype=np.int64)
            rows = rows.keep(np.isin(rows.seq, present))
            missing = np.setdiff1d(present, rows.seq)
            if missing.size:
                rows = rows + self._read(channel, [_AnalysisRow.seq.in_([int(s) for s in missing[i:i + _BATCH]])
                                                   for i in range(0, missing.size, _BATCH)])
        names = [""] * len(self._words[channel])
        for word, index in self._words[channel].items():
            names[index] = word
        return ChannelFigures(channel, rows, names, version)

    def _read(self, channel: str, which: list) -> _Rows:
        """The figures of the rows each condition (on ``seq``) selects."""
        fields = FIELDS[channel]
        extra = [path for path in (DOMINANT.get(channel), WORDS.get(channel)) if path]
        picked = [_AnalysisRow.scores[path if len(path) > 1 else path[0]]
                  for path in [p for p, _ in fields.values()] + extra]
        base = select(_AnalysisRow.seq, _AnalysisRow.owner, *picked).where(_AnalysisRow.channel == channel)
        parts, table = [], _Table(fields, self._words[channel])
        with self.engine.connect() as conn:
            for condition in which:
                for record in conn.execute(base.where(condition)):
                    table.add(record, has_dominant=channel in DOMINANT, has_words=channel in WORDS)
                    if len(table.seq) >= _PART:
                        parts.append(table.rows())
                        table = _Table(fields, self._words[channel])
        return _Rows.concat(parts + [table.rows()])


class _Table:
    """Rows read from the database, collected into ``_Rows``."""

    def __init__(self, fields, vocabulary: dict[str, int]):
        self.fields, self.vocabulary = fields, vocabulary
        self.seq, self.owner, self.dominant, self.lengths, self.ids, self.counts = [], [], [], [], [], []
        self.values = {name: [] for name in fields}

    def add(self, record, has_dominant: bool, has_words: bool) -> None:
        self.seq.append(record[0])
        self.owner.append(_owner_code(record[1]))
        for (name, (_, keys)), value in zip(self.fields.items(), record[2:]):
            if keys is None:
                self.values[name].append(value)
            else:
                value = value if isinstance(value, dict) else {}
                self.values[name].append([value.get(key) for key in keys])
        rest = list(record[2 + len(self.fields):])
        label = rest.pop(0) if has_dominant else None
        self.dominant.append(EMOTIONS.index(label) if label in EMOTIONS else -1)
        before = len(self.ids)
        for pair in (rest.pop(0) if has_words else None) or []:
            if isinstance(pair, (list, tuple)) and len(pair) == 2 and _number(pair[1]) > 0:
                self.ids.append(self.vocabulary.setdefault(str(pair[0]), len(self.vocabulary)))
                self.counts.append(int(_number(pair[1])))
        self.lengths.append(len(self.ids) - before)

    def rows(self) -> _Rows:
        n = len(self.seq)
        columns = {}
        for name, (_, keys) in self.fields.items():
            shape = (n,) if keys is None else (n, len(keys))
            columns[name] = _numbers(self.values[name], shape)
        offsets = np.concatenate([[0], np.cumsum(self.lengths, dtype=np.int64)]).astype(np.int64)
        return _Rows(np.asarray(self.seq, dtype=np.int64), np.asarray(self.owner, dtype=np.int64), columns,
                     np.asarray(self.dominant, dtype=np.int64), offsets, np.asarray(self.ids, dtype=np.int64),
                     np.asarray(self.counts, dtype=np.int64))
