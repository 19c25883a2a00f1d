"""An interview's stored answers as their owner sees them: a replaced or skipped answer is deleted, and
"My results" shows an interview's report with the answers it was made from.

- ``discard_answer``: the result of an answer that a retake replaced, or that "Skip this step" threw away,
  is deleted (it was made for this interview only; keeping it listed, unmarked, in "My results" read as a
  second answer). An answer that another interview of the same person still uses is kept.
- ``open_interviews``: the person's unfinished interviews and the answer each step holds now.
- ``group_results``: a person's results in order, each interview's answers gathered under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.history.owners import delete_owned, owned_analyses
from library.history.schema import _LiveSessionRow
from library.history.store import Analysis, HistoryStore, LiveSessions, aware

INTERVIEW = "interview"
SKIPPED = "skipped"


@dataclass
class OpenInterview:
    session_id: str
    created_at: datetime
    steps: dict[str, str]  # step -> analysis id of the answers it holds now (skips and unanswered left out)


def open_interviews(store: HistoryStore, load_steps: Callable[[LiveSessions, str], dict[str, str | None]]
                    ) -> list[OpenInterview]:
    """The unfinished interviews of ``store``'s owner (expired ones too: their answers are still stored).
    ``load_steps(sessions, session_id)``: step -> analysis id (library/interview/session.py reads them)."""
    if store.owner is None:
        return []
    query = (select(_LiveSessionRow.public_id, _LiveSessionRow.created_at)
             .where(_LiveSessionRow.owner == store.owner, _LiveSessionRow.channel == INTERVIEW,
                    _LiveSessionRow.analysis_id.is_(None))
             .order_by(_LiveSessionRow.created_at))
    with Session(store.engine) as session:
        rows = list(session.execute(query))
    sessions = LiveSessions(store, expiry_s=float("inf"))
    found = []
    for session_id, created_at in rows:
        steps = {s: aid for s, aid in load_steps(sessions, session_id).items() if aid and aid != SKIPPED}
        found.append(OpenInterview(session_id, aware(created_at), steps))
    return found


def still_used(store: HistoryStore, analysis_id: str, open_steps: Sequence[OpenInterview]) -> bool:
    """Whether a finished interview of the owner, or one of ``open_steps``, names ``analysis_id``."""
    if any(analysis_id in o.steps.values() for o in open_steps):
        return True
    return any(analysis_id in (a.scores.get("steps") or {}).values()
               for a in owned_analyses(store, store.owner, INTERVIEW))


def discard_answer(store: HistoryStore, analysis_id: str, others: Sequence[OpenInterview]) -> bool:
    """Delete the owner's ``analysis_id`` (a replaced or skipped answer) unless another interview uses it
    (``others``: the owner's other unfinished interviews); True when it went."""
    if store.owner is None or still_used(store, analysis_id, others):
        return False
    return delete_owned(store, store.owner, analysis_id) > 0


@dataclass
class ResultGroup:
    """One line of "My results": a result alone, or an interview (its report, when it has one) with its answers."""

    first: Analysis | None  # the report, or the result alone; None for an unfinished interview
    parts: list[tuple[str, Analysis]] = field(default_factory=list)  # (step, answer) of an interview
    session_id: str | None = None  # an unfinished interview's session
    created_at: datetime | None = None

    @property
    def is_interview(self) -> bool:
        return self.first is None or self.first.channel == INTERVIEW


def group_results(analyses: Sequence[Analysis], unfinished: Sequence[OpenInterview],
                  step_order: Sequence[str]) -> list[ResultGroup]:
    """``analyses`` (oldest first) with each interview's answers moved under it, in ``step_order``; the answers of
    an unfinished interview under a group of their own. An answer shared by two interviews shows under the first."""
    by_id = {a.id: a for a in analyses}
    taken: set[str] = set()
    groups: list[tuple[datetime, int, ResultGroup]] = []

    def parts_of(steps: dict) -> list[tuple[str, Analysis]]:
        parts = []
        for step in step_order:
            aid = steps.get(step)
            if aid in by_id and aid not in taken:
                taken.add(aid)
                parts.append((step, by_id[aid]))
        return parts

    for a in analyses:
        if a.channel == INTERVIEW:
            groups.append((a.created_at, a.seq, ResultGroup(a, parts_of(a.scores.get("steps") or {}),
                                                            created_at=a.created_at)))
    for o in unfinished:
        parts = parts_of(o.steps)
        if parts:
            groups.append((o.created_at, -1, ResultGroup(None, parts, o.session_id, o.created_at)))
    for a in analyses:
        if a.channel != INTERVIEW and a.id not in taken:
            groups.append((a.created_at, a.seq, ResultGroup(a, created_at=a.created_at)))
    return [g for _, _, g in sorted(groups, key=lambda item: (item[0], item[1]))]
