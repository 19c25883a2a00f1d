"""JSON API of the guided interview: start, answer or skip each step, finish into a report.

The capture pages call these when they run inside an interview (``data-interview-url``):
a finished video or voice analysis is attached by its id; the written answer is sent
here directly, because its text emotion must be read while the text is still in memory.
Every answer comes back with ``next_url``, the page the browser goes to next.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request, url_for

from library.errors import BadInput
from library.history import SessionClosed
from library.interview import STEPS
from library.results import api_form
from web.interview import session as interviews
from web.platform.extensions import store
from web.interview.report import report_scores
from web.interview.text import analyse_written_answer
from web.platform.policy import heavy_analysis, rate_limited

bp = Blueprint("interview_api", __name__, url_prefix="/api/v1/interview")


def next_url(state: interviews.InterviewState) -> str:
    step = state.next_step
    if step is None:
        return url_for("interview.report_ready", session_id=state.session_id)
    return url_for("interview.step", session_id=state.session_id, step=step)


def _body(state: interviews.InterviewState) -> dict:
    return {**state.to_dict(), "next_url": next_url(state)}


def _check_step(step: str) -> None:
    if step not in STEPS:
        abort(404, f"Unknown step {step!r}; the steps are {', '.join(STEPS)}.")


def attach_answer(session_id: str, step: str, req) -> interviews.InterviewState:
    """Record one answer from a request; shared by this API and the pages' no-JavaScript form."""
    interviews.load(session_id)  # open and not expired, before any work is done
    if step == "text":
        analysis_id = analyse_written_answer(req)
    else:
        body = req.get_json(silent=True) if req.is_json else None
        analysis_id = (body or {}).get("analysis_id") if isinstance(body, dict) else req.form.get("analysis_id")
        if not isinstance(analysis_id, str) or not analysis_id:
            raise BadInput(f"Send the id of the {step} analysis in the field 'analysis_id'.")
        if store().get_owned(analysis_id, channel=step) is None:
            raise BadInput(f"You have no {step} analysis with this id.")
    return interviews.record(session_id, step, analysis_id)


@bp.post("")
@rate_limited("analysis")
def start_interview():
    state = interviews.load(interviews.start())
    return jsonify({**_body(state), "expires_in_s": current_app.config["INTERVIEW_EXPIRY_S"]}), 201


@bp.get("/<session_id>")
def interview_status(session_id: str):
    try:
        state = interviews.load(session_id, require_open=False)
    except SessionClosed:
        abort(404, "No such interview.")
    return jsonify(_body(state))


@bp.post("/<session_id>/<step>")
@rate_limited("analysis")
@heavy_analysis
def answer_step(session_id: str, step: str):
    _check_step(step)
    state = attach_answer(session_id, step, request)
    return jsonify({"id": state.steps[step], **_body(state)})


@bp.post("/<session_id>/<step>/skip")
@rate_limited("analysis")
def skip_step(session_id: str, step: str):
    _check_step(step)
    interviews.load(session_id)
    return jsonify(_body(interviews.record(session_id, step, None)))


@bp.post("/<session_id>/report")
@rate_limited("analysis")
def finish_interview(session_id: str):
    result = report_scores(interviews.load(session_id))
    report_id = interviews.finish(session_id, result)
    return jsonify({"id": report_id, "report_url": url_for("interview.result", report_id=report_id),
                    **api_form(result.to_dict())})


@bp.errorhandler(SessionClosed)
def session_closed(exc: SessionClosed):
    return jsonify(error=str(exc)), 404 if isinstance(exc, interviews.UnknownInterview) else 409
