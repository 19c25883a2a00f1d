"""The interview's state for the request's owner: library/interview/session.py over this app's database.

The browser remembers the session id in Flask's signed session cookie (``COOKIE_KEY``), so
coming back to /interview continues it.
"""

from __future__ import annotations

from flask import current_app

from library.history import LiveSessions
from library.interview import session as interview
from library.interview.session import CHANNEL, SKIPPED, InterviewState, UnknownInterview
from web.platform.extensions import store

COOKIE_KEY = "interview_session"
__all__ = ["CHANNEL", "COOKIE_KEY", "SKIPPED", "InterviewState", "UnknownInterview",
           "finish", "load", "record", "sessions", "start"]


def sessions() -> LiveSessions:
    config = current_app.config
    return LiveSessions(store(), expiry_s=config["INTERVIEW_EXPIRY_S"], max_samples=config["INTERVIEW_MAX_EVENTS"])


def start() -> str:
    return interview.start(sessions())


def load(session_id: str, require_open: bool = True) -> InterviewState:
    return interview.load(sessions(), session_id, require_open)


def record(session_id: str, step: str, analysis_id: str | None) -> InterviewState:
    return interview.record(sessions(), session_id, step, analysis_id)


def finish(session_id: str, result) -> str:
    return interview.finish(sessions(), session_id, result)
