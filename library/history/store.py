"""The history store: one row per analysis, in an embedded database.

SQLite through SQLAlchemy 2 by default (WAL journal + busy timeout so that many
writers wait their turn instead of failing), any SQLAlchemy URL otherwise
(PostgreSQL via ``DATABASE_URL``). Rows hold derived figures only (probabilities,
counts); raw text, audio and video are never passed in here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from library.history.schema import Base, _AnalysisRow, _LiveSampleRow, _LiveSessionRow

CHANNELS: tuple[str, ...] = ("text", "video", "audio", "interview")

# How long a writer waits for SQLite's lock before giving up. Generous: a write
# takes about a millisecond, so this only matters under a pile-up of writers.
SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Analysis:
    """One stored analysis, as plain data."""

    id: str
    seq: int
    channel: str
    created_at: datetime
    scores: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "created_at": self.created_at.isoformat(),
            "scores": self.scores,
        }


def _as_analysis(row: _AnalysisRow) -> Analysis:
    created = row.created_at
    if created.tzinfo is None:  # SQLite drops the zone; we only ever store UTC
        created = created.replace(tzinfo=timezone.utc)
    return Analysis(row.public_id, row.seq, row.channel, created, dict(row.scores))


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: no corruption, at most the last commit on power loss
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class HistoryStore:
    """Adds and reads analyses. Safe to share between threads; each process opens its own."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def add(self, channel: str, scores: dict[str, Any]) -> Analysis:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
        row = _AnalysisRow(
            public_id=uuid.uuid4().hex,
            channel=channel,
            created_at=datetime.now(timezone.utc),
            scores=scores,
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _as_analysis(row)

    def get(self, analysis_id: str, channel: str | None = None) -> Analysis | None:
        query = select(_AnalysisRow).where(_AnalysisRow.public_id == analysis_id)
        if channel is not None:
            query = query.where(_AnalysisRow.channel == channel)
        with Session(self.engine) as session:
            row = session.scalars(query).first()
            return _as_analysis(row) if row else None

    def count(self, channel: str) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).where(_AnalysisRow.channel == channel)) or 0

    def iter_channel(self, channel: str, before_seq: int | None = None, batch: int = 1000) -> Iterator[Analysis]:
        """Analyses of one channel, oldest first; ``before_seq`` keeps only earlier ones."""
        query = select(_AnalysisRow).where(_AnalysisRow.channel == channel).order_by(_AnalysisRow.seq)
        if before_seq is not None:
            query = query.where(_AnalysisRow.seq < before_seq)
        with Session(self.engine) as session:
            for row in session.scalars(query.execution_options(yield_per=batch)):
                yield _as_analysis(row)

    def scores(self, channel: str, before_seq: int | None = None) -> list[dict[str, Any]]:
        return [a.scores for a in self.iter_channel(channel, before_seq)]


class SessionClosed(LookupError):
    """The live session does not exist, has expired, or is already finished."""


@dataclass(frozen=True)
class LiveSample:
    t: float
    sample: dict[str, Any]


class LiveSessions:
    """Captures that arrive piece by piece (live frames) and become one analysis at the end.

    State lives in the database, not in a worker's memory, so any worker behind a
    load balancer can take the next frame of any session.
    """

    def __init__(self, store: HistoryStore, expiry_s: float = 3600.0, max_samples: int = 2000):
        self.store = store
        self.expiry_s = expiry_s
        self.max_samples = max_samples

    def start(self, channel: str) -> str:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        session_id = uuid.uuid4().hex
        with Session(self.store.engine) as session, session.begin():
            session.add(_LiveSessionRow(public_id=session_id, channel=channel, created_at=datetime.now(timezone.utc)))
        return session_id

    def _open_row(self, session: Session, session_id: str, channel: str) -> _LiveSessionRow:
        # FOR UPDATE (ignored by SQLite, which locks the whole file) stops two
        # PostgreSQL workers from finishing the same session twice.
        row = session.get(_LiveSessionRow, session_id, with_for_update=True)
        if row is None or row.channel != channel or row.analysis_id is not None:
            raise SessionClosed("This capture session is unknown or already finished; start a new one.")
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
        if (datetime.now(timezone.utc) - created).total_seconds() > self.expiry_s:
            raise SessionClosed("This capture session has expired; start a new one.")
        return row

    def add(self, session_id: str, channel: str, t: float, sample: dict[str, Any]) -> int:
        """Store one sample; returns how many the session now has."""
        with Session(self.store.engine) as session, session.begin():
            self._open_row(session, session_id, channel)
            count = session.scalar(select(func.count()).where(_LiveSampleRow.session_id == session_id)) or 0
            if count >= self.max_samples:
                raise SessionClosed(f"This capture session is full ({self.max_samples} samples); finish it.")
            session.add(_LiveSampleRow(session_id=session_id, t=float(t), sample=sample))
            return count + 1

    def samples(self, session_id: str) -> list[LiveSample]:
        query = select(_LiveSampleRow).where(_LiveSampleRow.session_id == session_id).order_by(_LiveSampleRow.t, _LiveSampleRow.seq)
        with Session(self.store.engine) as session:
            return [LiveSample(r.t, dict(r.sample)) for r in session.scalars(query)]

    def finish(self, session_id: str, channel: str, scores: dict[str, Any]) -> Analysis:
        """Turn the session into one stored analysis, atomically, and drop its samples."""
        with Session(self.store.engine) as session, session.begin():
            row = self._open_row(session, session_id, channel)
            analysis = _AnalysisRow(public_id=uuid.uuid4().hex, channel=channel,
                                    created_at=datetime.now(timezone.utc), scores=scores)
            session.add(analysis)
            row.analysis_id = analysis.public_id
            row.progress = 1.0
            session.query(_LiveSampleRow).filter(_LiveSampleRow.session_id == session_id).delete()
            session.flush()
            return _as_analysis(analysis)

    def set_progress(self, session_id: str, channel: str, fraction: float) -> None:
        with Session(self.store.engine) as session, session.begin():
            self._open_row(session, session_id, channel).progress = min(max(float(fraction), 0.0), 1.0)

    def status(self, session_id: str) -> dict[str, Any] | None:
        with Session(self.store.engine) as session:
            row = session.get(_LiveSessionRow, session_id)
            if row is None:
                return None
            count = session.scalar(select(func.count()).where(_LiveSampleRow.session_id == session_id)) or 0
            return {"session": row.public_id, "channel": row.channel, "progress": row.progress or 0.0,
                    "samples": count, "analysis_id": row.analysis_id}

    def analysis_of(self, session_id: str) -> str | None:
        with Session(self.store.engine) as session:
            row = session.get(_LiveSessionRow, session_id)
            return row.analysis_id if row else None
