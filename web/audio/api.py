"""JSON API of the audio channel: one recording -> emotion second by second. Uploaded whole, or recorded on the
voice page in a capture session: its microphone chunks sent while the person speaks and read as they come, so
the finish reads only the last seconds (web/audio/live.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from library.audio.upload import analyse_audio_upload
from library.errors import BadInput, InputError
from library.history import SessionClosed
from library.history.live_sound import LiveSound
from library.results import api_form
from library.video.live_voice import ChunksMissing
from web.audio.live import (answer_session_errors, chunks_sent, live_sessions, live_voice, receive_chunk,
                            session_status, start_session)
from web.platform.extensions import limits, models, spoken_words_reader, store
from web.platform.policy import heavy_analysis, rate_limited

bp = Blueprint("audio_api", __name__, url_prefix="/api/v1/audio")
answer_session_errors(bp)


@bp.post("")
@rate_limited("analysis")
@heavy_analysis
def analyse_audio_api():
    max_bytes = limits().audio.max_bytes
    # A little room over the file limit for the multipart envelope: the engine's own check on
    # the file's bytes then answers "too large" with the precise limit.
    request.max_content_length = max_bytes + 64 * 1024
    upload = request.files.get("audio") or request.files.get("file")
    if upload is None:
        raise BadInput("Send the recording in the multipart field 'audio'.")
    # upload.stream is an in-memory buffer or an anonymous (already unlinked) temporary file;
    # the engine decodes from memory, so no copy of the voice lands on disk.
    analysis = analyse_audio_upload(upload.stream.read(), limits(), models())
    stored = store().add("audio", analysis)
    return jsonify({"id": stored.id, **api_form(analysis.to_dict())})


@bp.post("/session")
def start_audio_session():
    return start_session("audio")


@bp.get("/session/<session_id>")
def audio_session_status(session_id: str):
    """The session's state: the progress of its finish, and how much of its sound is read."""
    return session_status("audio", session_id)


@bp.post("/session/<session_id>/sound/<int:index>")
@rate_limited("frames")
def audio_sound_chunk(session_id: str, index: int):
    """Chunk ``index`` (0, 1, ...) of the voice page's recording, sent while the person speaks, as the live video
    page sends its microphone's (web/video/api.py, sound_chunk): idempotent by index, any order, read as chunks
    complete a stretch; the bytes and seconds limits are counted as they come."""
    return receive_chunk("audio", session_id, index, limits().audio.max_seconds)


@bp.post("/session/<session_id>/finish")
@rate_limited("analysis")
@heavy_analysis
def finish_audio_session(session_id: str):
    """The answer's analysis, stored: from the chunks sent during the capture (field ``chunks``: how many were
    sent; 409 with ``missing`` when some have not arrived, to send again), or from one whole recording (multipart
    field ``audio``, when the chunks could not be sent). The session's sound is dropped either way."""
    audio = limits().audio
    request.max_content_length = audio.max_bytes + 64 * 1024  # room for the multipart envelope, as above
    sessions = live_sessions()
    if sessions.frame_context(session_id, "audio") is None:
        raise SessionClosed("This capture session is unknown or already finished; start a new one.")
    recording = request.files.get("audio")
    expected = chunks_sent()
    try:
        if recording is not None:
            analysis = analyse_audio_upload(recording.stream.read(), limits(), models())
        else:
            voice = live_voice(audio.max_seconds)
            if voice.model is None:
                models().get("speech_emotion")  # says the voice model is missing, as the upload route does
            analysis = voice.read_answer(session_id, spoken_words_reader(current_app.config), expected=expected,
                                         progress=lambda f: sessions.set_progress(session_id, "audio", f))
            analysis.models = models().ids_for("audio", analysis)
    except ChunksMissing:
        raise  # kept: the client sends them again, then finishes
    except InputError:
        LiveSound(store().engine).drop(session_id)  # refused for good: nothing of the voice stays behind
        raise
    sessions.set_progress(session_id, "audio", 0.9)
    stored = sessions.finish(session_id, "audio", analysis)
    return jsonify({"id": stored.id, **api_form(analysis.to_dict())})
