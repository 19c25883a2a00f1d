"""One person's rows: find, export and delete them by a private token; purge old rows.

A person holds a random token (in their browser's signed cookie, a private link, or the
``X-ESAPR-Token`` header of API calls). The database keeps only its SHA-256 (``owner``),
so someone who reads the database cannot turn a row into a working link.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from library.history.idempotency import (_IdempotentRequestRow, delete_answers_naming, delete_owned_answers,
                                        purge_idempotency)
from library.history.live_sound import delete_sound
from library.history.schema import _AnalysisRow, _LiveSampleRow, _LiveSessionRow
from library.history.store import Analysis, HistoryStore, _as_analysis, aware

# How long the answer to a request sent with an Idempotency-Key is kept for a retry.
IDEMPOTENCY_KEEP_S = 24 * 3600
TOKEN_BYTES = 24  # 192 bits: unguessable, and short enough for a link
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # URL-safe base64 of TOKEN_BYTES bytes, ASCII only


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def owner_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before any query: URL-safe base64 of ``TOKEN_BYTES`` bytes."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


def owned_analyses(store: HistoryStore, owner: str, channel: str | None = None) -> list[Analysis]:
    query = select(_AnalysisRow).where(_AnalysisRow.owner == owner).order_by(_AnalysisRow.seq)
    if channel is not None:
        query = query.where(_AnalysisRow.channel == channel)
    with Session(store.engine) as session:
        return [_as_analysis(row, store.kinds) for row in session.scalars(query)]


def export_owned(store: HistoryStore, owner: str) -> dict[str, Any]:
    """Everything stored about one person: their analyses and any capture still open."""
    with Session(store.engine) as session:
        live = []
        for row in session.scalars(select(_LiveSessionRow).where(_LiveSessionRow.owner == owner)
                                   .order_by(_LiveSessionRow.created_at)):
            samples = session.scalars(select(_LiveSampleRow).where(_LiveSampleRow.session_id == row.public_id)
                                      .order_by(_LiveSampleRow.seq))
            live.append({"id": row.public_id, "channel": row.channel, "created_at": aware(row.created_at).isoformat(),
                         "finished_as": row.analysis_id, "samples": [{"t": s.t, **dict(s.sample)} for s in samples]})
        answers = [{"created_at": aware(row.created_at).isoformat(), "status": row.status, "body": row.body}
                   for row in session.scalars(select(_IdempotentRequestRow)
                                              .where(_IdempotentRequestRow.owner == owner)
                                              .order_by(_IdempotentRequestRow.created_at))]
    return {"exported_at": datetime.now(timezone.utc).isoformat(),
            "analyses": [a.to_dict() for a in owned_analyses(store, owner)],
            "captures": live,
            "kept_for_retries": answers}


def _delete_live(session: Session, live_ids: list[str]) -> int:
    # Samples first: SQLite does not enforce the foreign key's ON DELETE CASCADE by default.
    if not live_ids:
        return 0
    session.execute(delete(_LiveSampleRow).where(_LiveSampleRow.session_id.in_(live_ids)))
    delete_sound(session, live_ids)  # a capture's microphone chunks, kept only while it is open
    return session.execute(delete(_LiveSessionRow).where(_LiveSessionRow.public_id.in_(live_ids))).rowcount or 0


def delete_owned(store: HistoryStore, owner: str, analysis_id: str | None = None) -> int:
    """Delete one person's analyses (or just ``analysis_id`` of theirs) and their open captures;
    returns how many analyses went. Someone else's id deletes nothing."""
    with Session(store.engine) as session, session.begin():
        query = delete(_AnalysisRow).where(_AnalysisRow.owner == owner)
        if analysis_id is not None:
            query = query.where(_AnalysisRow.public_id == analysis_id)
            deleted = session.execute(query).rowcount or 0
            if deleted:
                # The capture it was made from is its raw material; the answers kept for retries (the result's, and
                # each live frame's, which names the capture) would replay it and be exported after it is gone.
                live = list(session.scalars(select(_LiveSessionRow.public_id).where(
                    _LiveSessionRow.owner == owner, _LiveSessionRow.analysis_id == analysis_id)))
                _delete_live(session, live)
                delete_answers_naming(session, owner, [analysis_id, *live])
            return deleted
        live = list(session.scalars(select(_LiveSessionRow.public_id).where(_LiveSessionRow.owner == owner)))
        _delete_live(session, live)
        delete_owned_answers(session, owner)
        return session.execute(query).rowcount or 0


def purge(store: HistoryStore, keep_days: float, live_keep_s: float, now: datetime | None = None) -> dict[str, int]:
    """Delete analyses older than ``keep_days`` (0 keeps them forever), captures older than
    ``live_keep_s`` seconds (finished or abandoned: their samples are raw material), and answers
    kept for retries after ``IDEMPOTENCY_KEEP_S``."""
    now = now or datetime.now(timezone.utc)
    with Session(store.engine) as session, session.begin():
        gone = 0
        if keep_days > 0:
            cutoff = now - timedelta(days=keep_days)
            gone = session.execute(delete(_AnalysisRow).where(_AnalysisRow.created_at < cutoff)).rowcount or 0
        live_cutoff = now - timedelta(seconds=live_keep_s)
        old = list(session.scalars(select(_LiveSessionRow.public_id).where(_LiveSessionRow.created_at < live_cutoff)))
        captures = _delete_live(session, old)
        for start in range(0, len(old), 100):  # their frames' kept answers name them
            delete_answers_naming(session, None, old[start:start + 100])
        answers = purge_idempotency(session, now - timedelta(seconds=IDEMPOTENCY_KEEP_S))
        return {"analyses": gone, "captures": captures, "kept_answers": answers}
