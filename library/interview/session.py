"""One guided interview's state: which step holds which analysis, kept in the database.

An interview is a ``LiveSessions`` session of channel ``"interview"`` (the same table the
live video capture uses), so any worker - or the command line - can serve any step, and it
expires like a capture does. Each answer or skip is one sample,
``{"step": "video", "analysis_id": "…"}`` or ``{"step": "audio", "skipped": true}``,
timed by the wall clock: the latest sample of a step wins, which is what makes a
retake replace the earlier answer. Only analysis ids are kept here, never media.

Finishing turns the session into one stored ``"interview"`` analysis (the report's
figures) and closes it: after that the steps can no longer change, and the report id
is what ``report_id`` holds.

``sessions`` is a ``LiveSessions`` over a store of one owner: another person's interview is
``UnknownInterview``, exactly like one that never existed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from library.history import LiveSessions, SessionClosed
from library.interview.answers import INTERVIEW as CHANNEL
from library.interview.answers import SKIPPED, discard_answer, open_interviews
from library.interview.questions import STEPS

__all__ = ["CHANNEL", "SKIPPED", "InterviewState", "UnknownInterview", "finish", "load", "record", "start",
           "step_ids"]


class UnknownInterview(SessionClosed):
    """No interview of this requester has this id (none at all, or someone else's)."""


@dataclass
class InterviewState:
    session_id: str
    steps: dict[str, str | None]  # step -> analysis id, SKIPPED, or None (not reached yet)
    answers: dict[str, int] = field(default_factory=dict)  # step -> answers given (retakes count)
    report_id: str | None = None  # set once the session is finished

    @property
    def finished(self) -> bool:
        return self.report_id is not None

    @property
    def next_step(self) -> str | None:
        """The first step neither answered nor skipped; None when all are done."""
        return next((s for s in STEPS if self.steps.get(s) is None), None)

    @property
    def answered(self) -> dict[str, str]:
        return {s: v for s, v in self.steps.items() if v not in (None, SKIPPED)}

    def to_dict(self) -> dict:
        return {"session": self.session_id, "steps": dict(self.steps), "next_step": self.next_step,
                "report_id": self.report_id}


def start(sessions: LiveSessions) -> str:
    return sessions.start(CHANNEL)


def load(sessions: LiveSessions, session_id: str, require_open: bool = True) -> InterviewState:
    """The state of an interview; ``SessionClosed`` if it is unknown, or expired/finished when ``require_open``."""
    status = sessions.status(session_id)
    if status is None or status["channel"] != CHANNEL:
        raise UnknownInterview("You have no interview with this id; start a new one.")
    steps: dict[str, str | None] = {s: None for s in STEPS}
    answers = {s: 0 for s in STEPS}
    for sample in sessions.samples(session_id):
        step = sample.sample.get("step")
        if step not in steps:
            continue
        if sample.sample.get("skipped"):
            steps[step] = SKIPPED
        else:
            steps[step] = sample.sample.get("analysis_id")
            answers[step] += 1
    state = InterviewState(session_id, steps, answers, status["analysis_id"])
    if require_open:
        if state.finished:
            raise SessionClosed("This interview is finished: its report is ready.")
        # Progress is a real figure (share of steps done), and writing it checks the expiry too.
        done = sum(1 for v in steps.values() if v is not None)
        sessions.set_progress(session_id, CHANNEL, done / len(STEPS))
    return state


def record(sessions: LiveSessions, session_id: str, step: str, analysis_id: str | None) -> InterviewState:
    """Record an answer (an analysis id) or, with None, a skip; returns the new state. The answer the step held
    before (a retake replaces it, a skip throws it away) is deleted from the owner's results, unless another of
    their interviews uses it (library/interview/answers.py)."""
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    before = load(sessions, session_id, require_open=False).steps.get(step)
    sample = {"step": step, "analysis_id": analysis_id} if analysis_id else {"step": step, "skipped": True}
    sessions.add(session_id, CHANNEL, time.time(), sample)
    state = load(sessions, session_id, require_open=False)
    if before not in (None, SKIPPED) and before != analysis_id:
        others = [o for o in open_interviews(sessions.store, step_ids) if o.session_id != session_id]
        discard_answer(sessions.store, before, others)
    return state


def step_ids(sessions: LiveSessions, session_id: str) -> dict[str, str | None]:
    """Step -> what it holds now (an analysis id, SKIPPED or None) of one of the owner's interviews."""
    return load(sessions, session_id, require_open=False).steps


def finish(sessions: LiveSessions, session_id: str, result) -> str:
    """Store the report (an ``InterviewResult``, library/interview/engine.py) as the interview's analysis; its id."""
    return sessions.finish(session_id, CHANNEL, result).id
