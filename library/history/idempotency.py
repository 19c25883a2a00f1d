"""Answers to requests sent with an ``Idempotency-Key``, so that a retry is answered, not redone.

A client whose connection broke cannot know whether its analysis was stored; retrying would
store it twice. With a key, the first request claims a row, and its answer is kept there (the
same derived figures the analysis holds, nothing of the upload); a retry with the same key gets
that answer back. A claim whose request never finished (its worker was killed) goes stale after
``stale_after_s`` and the next retry runs the request again.

The answer is kept with a hash of the request it answered (``request_hash``): a "retry" whose
body differs is not a retry, and gets 422 instead of someone's earlier answer (#15). Answers go
when the analysis or capture they name is deleted or purged (``delete_answers_naming``), not only after a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, Integer, String, Text, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from library.history.schema import Base
from library.history.store import HistoryStore, aware


class _IdempotentRequestRow(Base):
    __tablename__ = "idempotent_requests"

    # SHA-256 of (path, client, key): the key itself, chosen by the client, is not kept.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    owner: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: still being answered
    body: Mapped[str | None] = mapped_column(Text, nullable=True)
    # SHA-256 of what was asked (web/platform/idempotency.py ``request_digest``); None on rows kept before #15.
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


@dataclass(frozen=True)
class Claim:
    """``new``: go ahead and answer; ``replay``: answer ``status``/``body``; ``busy``: in progress elsewhere."""

    outcome: str
    status: int | None = None
    body: str | None = None
    request_hash: str | None = None


def claim(store: HistoryStore, key: str, owner: str | None, stale_after_s: float) -> Claim:
    now = datetime.now(timezone.utc)
    try:
        with Session(store.engine) as session, session.begin():
            row = session.get(_IdempotentRequestRow, key, with_for_update=True)
            if row is None:
                session.add(_IdempotentRequestRow(key=key, created_at=now, owner=owner))
                return Claim("new")
            if row.status is not None:
                return Claim("replay", row.status, row.body, row.request_hash)
            if (now - aware(row.created_at)).total_seconds() < stale_after_s:
                return Claim("busy")
            row.created_at = now  # its request died unanswered: this one takes over
            return Claim("new")
    except IntegrityError:
        return Claim("busy")  # another worker claimed it between our read and our insert


def complete(store: HistoryStore, key: str, status: int, body: str, request_hash: str | None = None) -> None:
    with Session(store.engine) as session, session.begin():
        row = session.get(_IdempotentRequestRow, key)
        if row is not None:
            row.status, row.body, row.request_hash = status, body, request_hash


def release(store: HistoryStore, key: str) -> None:
    """The request failed: forget the claim, so that a retry runs it again."""
    with Session(store.engine) as session, session.begin():
        session.execute(delete(_IdempotentRequestRow).where(_IdempotentRequestRow.key == key))


def purge_idempotency(session: Session, older_than: datetime) -> int:
    return session.execute(delete(_IdempotentRequestRow)
                           .where(_IdempotentRequestRow.created_at < older_than)).rowcount or 0


def delete_answers_naming(session: Session, owner: str | None, ids: list[str]) -> int:
    """Delete kept answers that name any of these analyses or captures (ids are hex: no LIKE wildcards): one owner's,
    or anyone's when ``owner`` is None (a purge). A live frame's answer names its capture, not the result it became."""
    if not ids:
        return 0
    table = _IdempotentRequestRow
    naming = or_(*[table.body.contains(i) for i in ids])
    return session.execute(delete(table).where(naming if owner is None else (table.owner == owner) & naming)
                           ).rowcount or 0


def delete_owned_answers(session: Session, owner: str) -> int:
    return session.execute(delete(_IdempotentRequestRow).where(_IdempotentRequestRow.owner == owner)).rowcount or 0
