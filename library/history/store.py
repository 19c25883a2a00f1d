"""The history store: one row per analysis, in an embedded database.

SQLite through SQLAlchemy 2 by default (WAL journal + busy timeout so that many
writers wait their turn instead of failing), any SQLAlchemy URL otherwise
(PostgreSQL via ``DATABASE_URL``). Rows hold derived figures only (probabilities,
counts); raw text, audio and video are never passed in here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import case, create_engine, event, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from library.history.live_contexts import LiveContexts
from library.history.live_sound import delete_sound  # its tables join Base.metadata before create_all
from library.history.migrate import add_missing_columns
from library.history.schema import Base, _AnalysisRow, _LiveSampleRow, _LiveSessionRow, _SettingRow
from library.history.session_closed import SessionClosed
from library.results import StoredKinds, StoredResult

# How long a writer waits for SQLite's lock before giving up. Generous: a write
# takes about a millisecond, so this only matters under a pile-up of writers.
SQLITE_BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Analysis:
    """One stored analysis: ``result`` is its figures as the dataclass of its kind (library/results.py);
    ``scores`` the stored JSON itself (for exports that keep every key as stored)."""

    id: str
    seq: int
    channel: str
    created_at: datetime
    scores: dict[str, Any]
    kinds: StoredKinds | None = field(default=None, repr=False, compare=False)  # the store's table of kinds

    @property
    def result(self) -> StoredResult:
        return _known(self.kinds).read(self.channel, self.scores)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel": self.channel,
            "created_at": self.created_at.isoformat(),
            "scores": self.scores,
        }


def _as_analysis(row: _AnalysisRow, kinds: StoredKinds | None) -> Analysis:
    created = aware(row.created_at)
    return Analysis(row.public_id, row.seq, row.channel, created, dict(row.scores), kinds)


def _known(kinds: StoredKinds | None) -> StoredKinds:
    if kinds is None:
        raise TypeError("this store was made without the table of stored kinds, so it cannot read or write results: "
                        "HistoryStore(url, STORED_KINDS) (library/stored_kinds.py)")
    return kinds


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every one we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


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


# Any constant: PostgreSQL advisory lock number that serialises schema creation across processes.
_SCHEMA_LOCK_ID = 0x45534150  # "ESAP"


def create_schema(engine: Engine, attempts: int = 5) -> None:
    """Create missing tables and columns; safe when many workers or machines start at once.

    ``create_all`` checks then creates, so two processes on an empty database can both try
    to create a table. PostgreSQL: an advisory lock lets one at a time in. SQLite: the loser's
    "already exists" error is retried, and the retry finds the tables there.
    """
    for attempt in range(attempts):
        try:
            with engine.connect() as conn:
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_lock({_SCHEMA_LOCK_ID})")
                try:
                    Base.metadata.create_all(conn)
                    conn.commit()
                finally:
                    if engine.dialect.name == "postgresql":
                        conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_SCHEMA_LOCK_ID})")
                        conn.commit()
            add_missing_columns(engine, Base.metadata)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


class HistoryStore:
    """Adds and reads analyses. Safe to share between threads; each process opens its own.

    ``owner`` (a hash from library/history/owners.py) is written on every row this store
    adds; ``for_owner`` gives a view of the same database for one person's requests.
    """

    def __init__(self, url: str, kinds: StoredKinds | None = None, *, _engine: Engine | None = None,
                 owner: str | None = None, _live_contexts: LiveContexts | None = None):
        self.url = url
        self.kinds = kinds  # which dataclass each kind is read and written through; None: figures as stored only
        self.owner = owner
        if _engine is None:
            _engine = make_engine(url)
            create_schema(_engine)
        self.engine = _engine
        self.live_contexts = _live_contexts if _live_contexts is not None else LiveContexts()

    def for_owner(self, owner: str | None) -> HistoryStore:
        """The same database (and connection pool, and this process's live contexts), on behalf of ``owner``."""
        return HistoryStore(self.url, self.kinds, _engine=self.engine, owner=owner, _live_contexts=self.live_contexts)

    def close(self) -> None:
        self.engine.dispose()

    def shared_setting(self, name: str, make: Callable[[], str]) -> str:
        """The value of a setting all workers share; the first to ask stores ``make()``."""
        with Session(self.engine) as session:
            row = session.get(_SettingRow, name)
            if row is not None:
                return row.value
        try:
            with Session(self.engine) as session, session.begin():
                session.add(_SettingRow(name=name, value=make()))
        except IntegrityError:
            pass  # another worker stored it first: everyone uses that one
        with Session(self.engine) as session:
            return session.get(_SettingRow, name).value

    def add(self, channel: str, result: StoredResult, public_id: str | None = None) -> Analysis:
        """Store one analysis (the dataclass of its kind, library/results.py) as this store's owner's.
        ``public_id``: a chosen id (a batch derives it from the file's content, so that the unique id makes a
        second copy of the same file an ``IntegrityError``)."""
        kinds = _known(self.kinds).kinds
        if channel not in kinds:
            raise ValueError(f"unknown channel {channel!r}; expected one of {kinds}")
        row = _AnalysisRow(
            public_id=public_id or uuid.uuid4().hex,
            channel=channel,
            created_at=datetime.now(timezone.utc),
            scores=_known(self.kinds).stored_form(channel, result),
            owner=self.owner,
        )
        with Session(self.engine) as session, session.begin():
            session.add(row)
            session.flush()
            return _as_analysis(row, self.kinds)

    def ids_present(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are stored (any owner)."""
        with Session(self.engine) as session:
            return set(session.scalars(select(_AnalysisRow.public_id).where(_AnalysisRow.public_id.in_(ids))))

    def get(self, analysis_id: str, channel: str | None = None) -> Analysis | None:
        """Any row by its id, whoever owns it: for tools and tests. Requests use ``get_owned``."""
        query = select(_AnalysisRow).where(_AnalysisRow.public_id == analysis_id)
        if channel is not None:
            query = query.where(_AnalysisRow.channel == channel)
        with Session(self.engine) as session:
            row = session.scalars(query).first()
            return _as_analysis(row, self.kinds) if row else None

    def get_owned(self, analysis_id: str, channel: str | None = None) -> Analysis | None:
        """The row only if it belongs to this store's owner; None otherwise (also with no owner:
        rows made before owners existed belong to nobody and open for nobody)."""
        if self.owner is None:
            return None
        query = select(_AnalysisRow).where(_AnalysisRow.public_id == analysis_id, _AnalysisRow.owner == self.owner)
        if channel is not None:
            query = query.where(_AnalysisRow.channel == channel)
        with Session(self.engine) as session:
            row = session.scalars(query).first()
            return _as_analysis(row, self.kinds) if row else None

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
                yield _as_analysis(row, self.kinds)

    def scores(self, channel: str, before_seq: int | None = None) -> list[dict[str, Any]]:
        return [a.scores for a in self.iter_channel(channel, before_seq)]


@dataclass(frozen=True)
class LiveSample:
    t: float
    sample: dict[str, Any]


class LiveSessions:
    """Captures that arrive piece by piece (live frames) and become one analysis at the end.

    State lives in the database, not in a worker's memory, so any worker behind a
    load balancer can take the next frame of any session. A session belongs to the owner of
    the store that started it: through a store of another owner it is unknown (a leaked or
    guessed session id lets nobody else read, feed or finish it).
    """

    def __init__(self, store: HistoryStore, expiry_s: float = 3600.0, max_samples: int = 2000):
        self.store = store
        self.expiry_s = expiry_s
        self.max_samples = max_samples

    def start(self, channel: str) -> str:
        if channel not in _known(self.store.kinds).kinds:
            raise ValueError(f"unknown channel {channel!r}")
        session_id = uuid.uuid4().hex
        with Session(self.store.engine) as session, session.begin():
            session.add(_LiveSessionRow(public_id=session_id, channel=channel, created_at=datetime.now(timezone.utc),
                                        owner=self.store.owner, samples=0))
        return session_id

    def _open_row(self, session: Session, session_id: str, channel: str) -> _LiveSessionRow:
        # FOR UPDATE (ignored by SQLite, which locks the whole file) stops two
        # PostgreSQL workers from finishing the same session twice.
        row = session.get(_LiveSessionRow, session_id, with_for_update=True)
        if not self._mine(row) or row.channel != channel or row.analysis_id is not None:
            raise SessionClosed("This capture session is unknown or already finished; start a new one.")
        if (datetime.now(timezone.utc) - aware(row.created_at)).total_seconds() > self.expiry_s:
            raise SessionClosed("This capture session has expired; start a new one.")
        return row

    def add(self, session_id: str, channel: str, t: float, sample: dict[str, Any],
            track: dict[str, Any] | None = None) -> int:
        """Store one sample (and the tracker state to carry to the next); returns how many the session now has.

        One write: a conditional UPDATE of the session row (open, this owner's, not expired, not full) that
        counts the sample, then the INSERT, in one transaction. The UPDATE's row lock serialises it with
        ``finish`` (and with other samples of the same session) on PostgreSQL; SQLite locks the file.
        """
        row, counted = _LiveSessionRow, _LiveSampleRow
        existing = (select(func.count()).where(counted.session_id == session_id).scalar_subquery())
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=self.expiry_s)
        new_count = case((row.samples.is_(None), existing + 1), else_=row.samples + 1)
        values: dict[str, Any] = {"samples": new_count}
        if track is not None:
            values["track"] = track
        owner_matches = row.owner.is_(None) if self.store.owner is None else row.owner == self.store.owner
        statement = (update(row)
                     .where(row.public_id == session_id, row.channel == channel, row.analysis_id.is_(None),
                            owner_matches, row.created_at > cutoff,
                            func.coalesce(row.samples, existing) < self.max_samples)
                     .values(values).returning(row.samples)
                     .execution_options(synchronize_session=False))
        # Core statements on one connection, not an ORM session: the ORM's unit of work was a third of the cost
        # of this write, which every live frame makes.
        with self.store.engine.begin() as connection:
            count = connection.execute(statement).scalar()
            if count is not None:
                connection.execute(insert(counted).values(session_id=session_id, t=float(t), sample=sample))
        if count is None:
            self.store.live_contexts.drop(session_id)
            with Session(self.store.engine) as session:
                self._refuse(session, session_id, channel)
        self.store.live_contexts.wrote(session_id, int(count), track)
        return int(count)

    def _refuse(self, session: Session, session_id: str, channel: str) -> None:
        """Why a sample was not counted (only read when it was not): unknown, finished, expired or full."""
        self._open_row(session, session_id, channel)
        raise SessionClosed(f"This capture session is full ({self.max_samples} samples); finish it.")

    def frame_context(self, session_id: str, channel: str, after: int | None = None) -> dict[str, Any] | None:
        """What the next sample needs to know: ``{"samples": n, "track": state}``. ``after``: how many samples the
        client saw in the session when its last one was answered; when this process wrote exactly that many, its
        own copy is current and no read is needed (library/history/live_contexts.py), else one primary-key read.
        None when this owner has no session of ``channel`` with this id; ``SessionClosed`` when it is finished
        or expired."""
        known = self.store.live_contexts.get(session_id, self.store.owner, channel, after) if after is not None else None
        if known is not None:
            return known
        with Session(self.store.engine) as session:
            row = session.get(_LiveSessionRow, session_id)
            if not self._mine(row) or row.channel != channel:
                return None
            if row.analysis_id is not None:
                raise SessionClosed("This capture session is already finished; start a new one.")
            if (datetime.now(timezone.utc) - aware(row.created_at)).total_seconds() > self.expiry_s:
                raise SessionClosed("This capture session has expired; start a new one.")
            samples = row.samples if row.samples is not None else self._count(session, session_id)
        expires_at = aware(row.created_at).timestamp() + self.expiry_s
        self.store.live_contexts.put(session_id, self.store.owner, channel, expires_at, samples, row.track)
        return {"samples": samples, "track": row.track}

    @staticmethod
    def _count(session: Session, session_id: str) -> int:
        return session.scalar(select(func.count()).where(_LiveSampleRow.session_id == session_id)) or 0

    def _mine(self, row: _LiveSessionRow | None) -> bool:
        return row is not None and row.owner == self.store.owner

    def samples(self, session_id: str) -> list[LiveSample]:
        query = select(_LiveSampleRow).where(_LiveSampleRow.session_id == session_id).order_by(_LiveSampleRow.t, _LiveSampleRow.seq)
        with Session(self.store.engine) as session:
            if not self._mine(session.get(_LiveSessionRow, session_id)):
                return []
            return [LiveSample(r.t, dict(r.sample)) for r in session.scalars(query)]

    def finish(self, session_id: str, channel: str, result: StoredResult) -> Analysis:
        """Turn the session into one stored analysis (the dataclass of its kind), atomically, and drop its samples
        and its sound (library/history/live_sound.py)."""
        scores = _known(self.store.kinds).stored_form(channel, result)
        self.store.live_contexts.drop(session_id)
        with Session(self.store.engine) as session, session.begin():
            row = self._open_row(session, session_id, channel)
            analysis = _AnalysisRow(public_id=uuid.uuid4().hex, channel=channel,
                                    created_at=datetime.now(timezone.utc), scores=scores,
                                    owner=row.owner)
            session.add(analysis)
            row.analysis_id = analysis.public_id
            row.progress = 1.0
            row.samples, row.track = 0, None
            session.query(_LiveSampleRow).filter(_LiveSampleRow.session_id == session_id).delete()
            delete_sound(session, [session_id])  # the recording's chunks and what was read from them
            session.flush()
            return _as_analysis(analysis, self.store.kinds)

    def set_progress(self, session_id: str, channel: str, fraction: float) -> None:
        with Session(self.store.engine) as session, session.begin():
            self._open_row(session, session_id, channel).progress = min(max(float(fraction), 0.0), 1.0)

    def status(self, session_id: str) -> dict[str, Any] | None:
        with Session(self.store.engine) as session:
            row = session.get(_LiveSessionRow, session_id)
            if not self._mine(row):
                return None
            count = row.samples if row.samples is not None else self._count(session, session_id)
            return {"session": row.public_id, "channel": row.channel, "progress": row.progress or 0.0,
                    "samples": count, "analysis_id": row.analysis_id}

    def analysis_of(self, session_id: str) -> str | None:
        with Session(self.store.engine) as session:
            row = session.get(_LiveSessionRow, session_id)
            return row.analysis_id if self._mine(row) else None
