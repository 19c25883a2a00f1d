"""JSON API of the video channel: live frames in capture sessions, and uploaded videos."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, jsonify, request

from library.errors import BadInput, UnprocessableInput
from library.history import LiveSessions, SessionClosed
from library.video.frames import FrameLimits
from library.video.live import GradCamPicker, analyse_live_frame, best_gradcam, session_tracker
from library.video.summary import frame_sample, summarise
from library.video.video_file import analyse_video
from web.platform.extensions import models, store
from web.platform.policy import heavy_analysis, rate_limited
from web.video.sound import read_sound

bp = Blueprint("video_api", __name__, url_prefix="/api/v1/video")
MB = 1024 * 1024
# The sound track (voice and transcript) is read after the frames, and is most of the work: on a 20-s upload with
# speech, 1.5 s for 100 frames, then 7.0 s for the sound (docs/decisions.md). The bar fills to a quarter over the
# frames, and the rest comes when the sound is read (it reports no progress of its own).
SOUND_SHARE_OF_WORK = 0.75


def _sessions() -> LiveSessions:
    return LiveSessions(store(), expiry_s=current_app.config["LIVE_SESSION_EXPIRY_S"],
                        max_samples=current_app.config["LIVE_SESSION_MAX_FRAMES"])


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
    session_id = _sessions().start("video")
    return jsonify(session=session_id, expires_in_s=current_app.config["LIVE_SESSION_EXPIRY_S"])


@bp.get("/session/<session_id>")
def video_session_status(session_id: str):
    status = _sessions().status(session_id)
    if status is None or status["channel"] != "video":
        abort(404, "No such capture session.")
    return jsonify(status)


@bp.post("/frame")
@rate_limited("frames")
def video_frame():
    """One live frame. Inside a capture session it costs one read of the session row (how many samples,
    the tracker's state) and one write (the sample, the count, the new tracker state): the face is tracked
    across the session's frames whichever worker serves them, so the detector runs only every few frames."""
    data = _frame_bytes()
    t = _time_field()
    session_id = request.values.get("session") or None
    sessions = _sessions()
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
    """Summarise the session's frames; the microphone recording of the same answer may come along
    (multipart field ``audio``), read into the same result so face, voice and words share one clock."""
    config = current_app.config
    max_bytes = config["AUDIO_MAX_MB"] * MB
    request.max_content_length = max_bytes + 64 * 1024  # room for the multipart envelope, as the audio API
    sessions = _sessions()
    samples = [(s.t, s.sample) for s in sessions.samples(session_id)]
    recording = request.files.get("audio")
    # The sound is read before the session closes: a failure here leaves it open for a retry.
    # As long as a voice answer may be, or as the live answer is, whichever is longer (the page stops at its end).
    max_seconds = float(max(config["AUDIO_MAX_SECONDS"], config["VIDEO_DURATION_S"] + 15))
    sound = read_sound(recording.stream.read() if recording else None, max_bytes=max_bytes, max_seconds=max_seconds)
    result = summarise(samples, source="live", gradcam=best_gradcam(samples), abstain_below=_abstain_below(),
                       sound=sound)
    analysis = sessions.finish(session_id, "video", result)
    return jsonify({"id": analysis.id, **result.public()})


@bp.post("")
@rate_limited("analysis")
@heavy_analysis
def analyse_video_api():
    config = current_app.config
    # Videos may be larger than the app-wide request cap (Flask 3.1 allows a per-request limit).
    request.max_content_length = config["VIDEO_MAX_MB"] * MB
    upload = request.files.get("video") or request.files.get("file")
    if upload is None or not upload.filename:
        raise BadInput("Send the video file in the multipart field 'video'.")
    session_id = request.form.get("session") or None
    sessions = _sessions()

    def progress(fraction: float) -> None:
        if session_id:
            sessions.set_progress(session_id, "video", fraction * (1 - SOUND_SHARE_OF_WORK))

    if session_id and sessions.status(session_id) is None:
        raise UnprocessableInput("This capture session is unknown; start a new one.")
    # upload.stream is an in-memory buffer or an anonymous (already unlinked) temporary file.
    data = upload.stream.read()
    pipeline = models().get("face_pipeline")
    picker = GradCamPicker(pipeline, every=config["GRADCAM_EVERY"])  # "where the model looked", as a live answer has
    result = analyse_video(data, pipeline,
                           sample_fps=config["VIDEO_SAMPLE_FPS"], max_seconds=config["VIDEO_MAX_SECONDS"],
                           max_bytes=config["VIDEO_MAX_MB"] * MB, progress=progress,
                           max_side=config["VIDEO_MAX_SIDE"], max_pixels=config["VIDEO_MAX_PIXELS"],
                           max_fps=config["VIDEO_MAX_FPS"],
                           max_process_s=config["VIDEO_MAX_PROCESS_S"],
                           max_decoded_pixels=config["VIDEO_MAX_DECODED_PIXELS"], on_frame=picker)
    # The sound track of the same file: voice and words on the face's clock (none: the face stands alone).
    sound = read_sound(data, max_bytes=config["VIDEO_MAX_MB"] * MB, max_seconds=float(config["VIDEO_MAX_SECONDS"]))
    analysis = summarise([(f.t, frame_sample(f)) for f in result.frames], source="file", gradcam=picker.best,
                         abstain_below=_abstain_below(), complete=result.complete, sound=sound)
    if session_id:
        stored = sessions.finish(session_id, "video", analysis)
    else:
        stored = store().add("video", analysis)
    return jsonify({"id": stored.id, **analysis.public()})


def _abstain_below() -> float | None:
    """The face model's measured "unclear" threshold (None for a model without one, e.g. a test's fake)."""
    return getattr(models().get("face_pipeline").model, "abstain_below", None)



@bp.errorhandler(SessionClosed)
def session_closed(exc: SessionClosed):
    return jsonify(error=str(exc)), 409
