"""The guided interview's pages: consent -> video answer -> voice answer -> written answer -> report.

Each step page is the channel's own capture page with an ``interview`` context: the
step's question (``pick_question``; a retake gets the next one), "Skip this step", and
the URL the page's script posts the finished analysis to (``interview_api``), which
answers with the next page. Session storage: ``web/interview/session.py``.

An interview belongs to the browser (or API token) that started it: every page and action
reads it through that owner, so a stranger's session id is 404. Only starting one (a POST
with consent) writes it into the cookie; opening a link never does (session fixation: a
link to someone else's interview would otherwise make this browser answer into it).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

from flask import (Blueprint, Response, abort, current_app, redirect, render_template, request, session,
                   url_for)

from library.emotions import EMOTIONS
from library.errors import InputError
from library.history import SessionClosed
from library.interview import STEPS, pick_question
from library.interview.answers import group_results, open_interviews
from library.interview.session import step_ids
from library.registry import CHANNELS
from web.interview import session as interviews
from web.platform.assets import vega_bundle_path
from web.platform.extensions import owned_or_404, store
from web.interview.api import attach_answer, next_url
from web.interview.report import report_scores, report_view
from web.platform.policy import heavy_analysis, rate_limited

bp = Blueprint("interview", __name__, url_prefix="/interview")
STEP_TITLES = {name: channel.title for name, channel in CHANNELS.items()}


def _current_state() -> interviews.InterviewState | None:
    """The interview this browser started, if it is still known (open or finished)."""
    session_id = session.get(interviews.COOKIE_KEY)
    if not session_id:
        return None
    try:
        state = interviews.load(session_id)
    except SessionClosed:
        try:
            state = interviews.load(session_id, require_open=False)
        except SessionClosed:
            return None
        return state if state.finished else None  # expired and never finished: start afresh
    return state


@bp.get("/")
def index():
    state = _current_state()
    if state is not None and not state.finished:
        return redirect(next_url(state))  # coming back continues the interview
    return render_template("interview/start.html", last_report=state.report_id if state else None,
                           expiry_h=current_app.config["INTERVIEW_EXPIRY_S"] / 3600)


@bp.post("/")
@rate_limited("analysis")
def start():
    if request.form.get("consent") != "yes":
        return render_template("interview/start.html", last_report=None, consent_error=True,
                               expiry_h=current_app.config["INTERVIEW_EXPIRY_S"] / 3600), 400
    session_id = interviews.start()
    session[interviews.COOKIE_KEY] = session_id
    return redirect(url_for("interview.step", session_id=session_id, step=STEPS[0]), code=303)


def _open_state(session_id: str) -> interviews.InterviewState:
    try:
        return interviews.load(session_id)
    except SessionClosed as exc:
        try:
            state = interviews.load(session_id, require_open=False)
        except SessionClosed:
            abort(404, "You have no interview with this link. Go to /interview to start one.")
        if state.finished:
            abort(redirect(url_for("interview.result", report_id=state.report_id)))
        abort(410, f"{exc} Go to /interview to start again.")


def _step_context(state: interviews.InterviewState, step: str) -> dict:
    base = {
        "session": state.session_id, "step": step, "number": STEPS.index(step) + 1, "total": len(STEPS),
        "title": STEP_TITLES[step], "steps": [(s, STEP_TITLES[s], state.steps[s]) for s in STEPS],
        "done": state.steps[step], "answers": state.answers[step],
        "answer_url": url_for("interview_api.answer_step", session_id=state.session_id, step=step),
        "skip_url": url_for("interview.skip", session_id=state.session_id, step=step),
        "report_url": url_for("interview.report_ready", session_id=state.session_id),
        "next_url": next_url(state),
        "all_done": state.next_step is None,
        "ask_skip": request.args.get("skip") == "ask",
    }
    if step == "audio" and not _speech_model_installed():
        base["unavailable"] = ("The voice model is not installed on this server yet, so a voice answer cannot be "
                               "read: please skip this step.")
    # A retake gets the next question in the bank rather than the same one again.
    question = pick_question(step, state.session_id, attempt=state.answers[step])
    base["question"] = question
    return base


def _speech_model_installed() -> bool:
    from library.audio.model import DEFAULT_DIR, MODEL_FILE

    return (DEFAULT_DIR / MODEL_FILE).is_file()


@bp.get("/<session_id>/<step>")
def step(session_id: str, step: str):
    if step not in STEPS:
        abort(404, f"Unknown step {step!r}.")
    state = _open_state(session_id)
    context = _step_context(state, step)
    config = current_app.config
    if step == "video":
        return render_template(
            "video/capture.html", interview=context, duration_s=config["VIDEO_DURATION_S"], fps=config["VIDEO_FPS"],
            emotions=EMOTIONS, max_video_mb=config["VIDEO_MAX_MB"], max_video_s=config["VIDEO_MAX_SECONDS"],
            question=context["question"])
    if step == "audio":
        return render_template(
            "audio/capture.html", interview=context, duration_s=config["AUDIO_DURATION_S"],
            question=context["question"], max_mb=config["AUDIO_MAX_MB"], max_seconds=config["AUDIO_MAX_SECONDS"])
    return render_template("text/form.html", interview=context, min_words=config["TEXT_MIN_WORDS"])


@bp.post("/<session_id>/<step>/skip")
@rate_limited("analysis")
def skip(session_id: str, step: str):
    if step not in STEPS:
        abort(404, f"Unknown step {step!r}.")
    state = _open_state(session_id)
    # An answered step is skipped only once the person has said so (the confirm box's "discard"): skipping
    # deletes that answer's result. A bare post (a stale page, no box) is asked again rather than obeyed.
    if state.steps[step] not in (None, interviews.SKIPPED) and request.form.get("discard") != "yes":
        return redirect(url_for("interview.step", session_id=session_id, step=step, skip="ask") + "#skip-step",
                        code=303)
    return redirect(next_url(interviews.record(session_id, step, None)), code=303)


@bp.post("/<session_id>/text")
@rate_limited("analysis")
@heavy_analysis
def text_answer(session_id: str):
    """The written answer without JavaScript: the same as the API, then on to the next page. A refused text
    comes back in the step's form with the reason above it (an error page lost what was typed)."""
    state = _open_state(session_id)
    try:
        state = attach_answer(session_id, "text", request)
    except InputError as exc:
        return render_template("text/form.html", interview=_step_context(state, "text"),
                               min_words=current_app.config["TEXT_MIN_WORDS"], error=exc.message,
                               typed=request.form.get("text", "")), exc.status
    return redirect(next_url(state), code=303)


@bp.get("/<session_id>/report")
def report_ready(session_id: str):
    """The end of the steps: what was answered, and the button that makes the report (a POST: opening or
    prefetching this page changes nothing)."""
    state = _open_state(session_id)  # redirects to the report when already finished
    if state.next_step is not None:
        return redirect(next_url(state))
    return _finish_page(state)


def _finish_page(state: interviews.InterviewState, error: str | None = None, status: int = 200):
    """The steps with what each holds, and "Make my report" only when some step was answered; a report that could
    not be made comes back here with the reason, where the steps are one click away."""
    return render_template("interview/finish.html", session=state.session_id, error=error,
                           any_answered=bool(state.answered),
                           steps=[(s, STEP_TITLES[s], state.steps[s]) for s in STEPS]), status


@bp.post("/<session_id>/report")
@rate_limited("analysis")
def report(session_id: str):
    """Finish the interview into its report (once: a finished one just redirects to it)."""
    state = _open_state(session_id)  # redirects to the report when already finished
    try:
        scores = report_scores(state)
    except InputError as exc:  # nothing gave a reading (every step skipped, or no face and nothing else)
        return _finish_page(state, exc.message, exc.status)
    report_id = interviews.finish(session_id, scores)
    return redirect(url_for("interview.result", report_id=report_id), code=303)


def _stored_report(report_id: str):
    return owned_or_404("interview", report_id, "interview report")


@bp.get("/report/<report_id>")
@rate_limited("pages")
def result(report_id: str):
    view = report_view(_stored_report(report_id))
    return render_template("interview/report.html", view=view, standalone=False)


@bp.get("/report/<report_id>.html")
@rate_limited("pages")
def download_html(report_id: str):
    """The report as one self-contained file: styles, Vega and the chart specs inline, no network."""
    view = report_view(_stored_report(report_id))
    static = Path(current_app.static_folder)
    styles = [(static / "css/style.css").read_text(encoding="utf-8"),
              (static / "css/interview.css").read_text(encoding="utf-8")]
    # Scripts travel as data: URLs, byte for byte: escaping them for an inline <script> would have
    # to rewrite code (Vega's bundle holds "</" inside regular expressions).
    scripts = [_data_url(vega_bundle_path(current_app.instance_path).read_bytes()),
               _data_url((static / "js/charts.js").read_bytes())]
    html = render_template("interview/report_file.html", view=view, standalone=True, styles=styles, scripts=scripts)
    return Response(html, mimetype="text/html", headers={
        "Content-Disposition": f'attachment; filename="esapr-interview-{report_id}.html"'})


@bp.get("/report/<report_id>.json")
@rate_limited("pages")
def download_json(report_id: str):
    view = report_view(_stored_report(report_id))
    view.pop("specs")  # chart drawing instructions, not results
    return Response(json.dumps(view, ensure_ascii=False, indent=2), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="esapr-interview-{report_id}.json"'})


def _data_url(code: bytes) -> str:
    return "data:text/javascript;base64," + base64.b64encode(code).decode("ascii")


def my_groups(rows: list[dict]) -> list[dict]:
    """"My results" rows (``{"analysis", "url", "what"}``) grouped: each interview's report with the answers it was
    made from, an unfinished interview's answers together (with the link that continues it), other results alone."""
    by_id = {row["analysis"].id: row for row in rows}
    unfinished = open_interviews(store(), step_ids)
    groups = []
    for group in group_results([row["analysis"] for row in rows], unfinished, STEPS):
        groups.append({
            "first": by_id[group.first.id] if group.first is not None else None,
            "parts": [(STEP_TITLES[step], by_id[a.id]) for step, a in group.parts],
            "interview": group.is_interview, "created_at": group.created_at,
            # only this browser's own unfinished interview can be continued from here (its cookie names it)
            "continue_url": url_for("interview.index")
            if group.session_id and group.session_id == session.get(interviews.COOKIE_KEY) else None})
    return groups
