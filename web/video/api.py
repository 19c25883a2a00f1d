"""JSON API of the video channel: live frames in capture sessions, and uploaded videos."""

from __future__ import annotations

import math

from flask import Blueprint, current_app, jsonify, request

from library.errors import BadInput, UnprocessableInput
from library.history import SessionClosed
from library.results import api_form
from library.video.frames import FrameLimits
from library.video.live import analyse_live_frame, best_gradcam, session_tracker
from library.video.summary import summarise
from library.video.upload import analyse_video_upload
from web.audio.live import (MB, answer_session_errors, chunks_sent, live_sessions, live_voice, receive_chunk,
                            session_status, start_session)
from web.platform.extensions import limits, models, store
from web.platform.policy import heavy_analysis, rate_limited
from web.video.sound import live_answer_seconds, read_live_sound, read_sound

bp = Blueprint("video_api", __name__, url_prefix="/api/v1/video")
answer_session_errors(bp)
# The sound track (voice and transcript) is read after the frames, and is most of the work: on a 20-s upload with
# speech, 1.5 s for 100 frames, then 7.0 s for the sound (docs/decisions.md). The bar fills to a quarter over the
# frames, and the rest comes when the sound is read (it reports no progress of its own).
SOUND_SHARE_OF_WORK = 0.75


def _frame_bytes() -> bytes:
    upload = request.files.get("frame")
    if upload is not None:
        return upload.read()
    if request.mimetype and request.mimetype.startswith("image/"):
        return request.get_data(cache=False)
    raise BadInput("Send the frame as a JPEG or PNG in the multipart field 'frame', or as a raw image/jpeg body.")


def _time_field() -> float:
    raw = request.values.get("t")
    if raw is None:
        return 0.0
    try:
        t = float(raw)
    except ValueError:
        raise BadInput("'t' must be a number of seconds.") from None
    if not math.isfinite(t) or not 0 <= t <= 24 * 3600:
        raise BadInput("'t' must be between 0 and 86400 seconds.")
    return t


def _frame_limits() -> FrameLimits:
    config = current_app.config
    return FrameLimits(max_bytes=config["FRAME_MAX_MB"] * MB, max_side=config["FRAME_MAX_SIDE"],
                       max_pixels=config["FRAME_MAX_PIXELS"])


@bp.post("/session")
def start_video_session():
    return start_session("video")


@bp.get("/session/<session_id>")
def video_session_status(session_id: str):
    """The session's state: frames stored, the progress of its finish, and how much of its sound is read."""
    return session_status("video", session_id)


@bp.post("/session/<session_id>/sound/<int:index>")
@rate_limited("frames")
def sound_chunk(session_id: str, index: int):
    """Chunk ``index`` (0, 1, ...) of the microphone's recording, sent while the person speaks: the raw bytes
    MediaRecorder gave (the first holds the WebM/Ogg header). Idempotent by index (a repeat is answered as
    received, the first copy kept); any order; the voice and words are read as chunks complete a stretch, so the
    finish reads only the last seconds. ``t``: the seconds of recording the chunks up to this one hold (optional:
    spares the server a decode until a stretch can be complete)."""
    return receive_chunk("video", session_id, index, live_answer_seconds())


@bp.post("/frame")
@rate_limited("frames")
def video_frame():
    """One live frame. Inside a capture session it costs one read of the session row (how many samples,
    the tracker's state) and one write (the sample, the count, the new tracker state): the face is tracked
    across the session's frames whichever worker serves them, so the detector runs only every few frames."""
    data = _frame_bytes()
    t = _time_field()
    session_id = request.values.get("session") or None
    sessions = live_sessions()
    pipeline = models().get("face_pipeline")
    tracker, with_gradcam = None, False
    if session_id:
        # "after": the session's count in the client's last answer (the page sends one frame at a time)
        context = sessions.frame_context(session_id, "video", after=request.values.get("after", type=int))
        if context is None:
            raise UnprocessableInput("This capture session is unknown; start a new one.")
        tracker = session_tracker(pipeline, context["track"])
        # Grad-CAM costs a second look at the face: only every n-th frame of a session gets one.
        with_gradcam = context["samples"] % current_app.config["GRADCAM_EVERY"] == 0
    frame, sample = analyse_live_frame(pipeline, data, t, with_gradcam=with_gradcam, limits=_frame_limits(),
                                       tracker=tracker)
    body = frame.to_dict()
    if session_id:
        body["session"] = session_id
        body["frames_in_session"] = sessions.add(session_id, "video", t, sample, track=tracker.state())
    return jsonify(body)


@bp.post("/session/<session_id>/finish")
@rate_limited("analysis")
@heavy_analysis
def finish_video_session(session_id: str):
    """Summarise the session's frames with the voice and words of the same answer, on one clock: from the
    microphone chunks sent during the capture (field ``chunks``: how many were sent; 409 with ``missing`` when
    some have not arrived, to send again), or from one whole recording (multipart field ``audio``, as older pages
    send it), or none (the face alone)."""
    config = current_app.config
    max_bytes = config["AUDIO_MAX_MB"] * MB
    request.max_content_length = max_bytes + 64 * 1024  # room for the multipart envelope, as the audio API
    sessions = live_sessions()
    if sessions.frame_context(session_id, "video") is None:
        raise SessionClosed("This capture session is unknown or already finished; start a new one.")
    recording = request.files.get("audio")
    expected = chunks_sent()
    # The sound is read before the session closes: a failure here leaves it open for a retry.
    if recording is not None:
        sound = read_sound(recording.stream.read(), max_bytes=max_bytes, max_seconds=live_answer_seconds())
    else:
        sound = read_live_sound(live_voice(live_answer_seconds()), session_id, expected=expected,
                                progress=lambda f: sessions.set_progress(session_id, "video", f))
        sessions.set_progress(session_id, "video", 0.9)
    samples = [(s.t, s.sample) for s in sessions.samples(session_id)]
    result = summarise(samples, source="live", gradcam=best_gradcam(samples), abstain_below=_abstain_below(),
                       sound=sound)
    result.models = models().ids_for("video", result)
    analysis = sessions.finish(session_id, "video", result)
    return jsonify({"id": analysis.id, **api_form(result.public())})


@bp.post("")
@rate_limited("analysis")
@heavy_analysis
def analyse_video_api():
    # Videos may be larger than the app-wide request cap (Flask 3.1 allows a per-request limit).
    request.max_content_length = limits().video.max_bytes
    upload = request.files.get("video") or request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("Send the video file in the multipart field 'video'.")
    session_id = request.form.get("session") or None
    sessions = live_sessions()

    def progress(fraction: float) -> None:
        if session_id:
            sessions.set_progress(session_id, "video", fraction * (1 - SOUND_SHARE_OF_WORK))

    if session_id and sessions.status(session_id) is None:
        raise UnprocessableInput("This capture session is unknown; start a new one.")
    # upload.stream is an in-memory buffer or an anonymous (already unlinked) temporary file.
    analysis = analyse_video_upload(upload.stream.read(), limits(), models(), progress=progress)
    if session_id:
        stored = sessions.finish(session_id, "video", analysis)
    else:
        stored = store().add("video", analysis)
    return jsonify({"id": stored.id, **api_form(analysis.public())})


def _abstain_below() -> float | None:
    """The live tier's measured "unclear" threshold, for live frames (None for a model without one, e.g. a test's
    fake); an upload's is its reading tier's (library/video/upload.py)."""
    return getattr(models().get("face_pipeline").model, "abstain_below", None)

