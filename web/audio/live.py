"""A live answer's microphone sent in chunks while the person speaks, for the voice page (web/audio/api.py) and
the live video page (web/video/api.py) alike: one way to take a chunk, say how far the sound is read, and answer a
finish that lacks some (the engine: library/video/live_voice.py over library/history/live_sound.py)."""

from __future__ import annotations

import math

from flask import abort, current_app, jsonify, request

from library.audio.features import SAMPLE_RATE
from library.errors import BadInput, UnprocessableInput
from library.history import LiveSessions, SessionClosed
from library.history.live_sound import LiveSound
from library.video.live_voice import ChunksMissing, LiveVoice
from library.video.sound import voice_models
from web.platform.extensions import limits, models, store

MB = 1024 * 1024
# MediaRecorder gives a chunk a second: Opus runs at 4-16 KB a second, so 512 KB is far more than one chunk holds;
# a minute and a half at four chunks a second is more than the longest answer.
SOUND_CHUNK_MAX_BYTES = 512 * 1024
SOUND_MAX_CHUNKS = 360


def live_sessions() -> LiveSessions:
    config = current_app.config
    return LiveSessions(store(), expiry_s=config["LIVE_SESSION_EXPIRY_S"],
                        max_samples=config["LIVE_SESSION_MAX_FRAMES"])


def start_session(channel: str):
    return jsonify(session=live_sessions().start(channel), expires_in_s=current_app.config["LIVE_SESSION_EXPIRY_S"])


def session_status(channel: str, session_id: str):
    """The session's state: samples stored, the progress of its finish, and how much of its sound is read."""
    status = live_sessions().status(session_id)
    if status is None or status["channel"] != channel:
        abort(404, "No such capture session.")
    return jsonify({**status, "sound": sound_status(session_id)})


def live_voice(max_seconds: float) -> LiveVoice:
    """A live answer's voice, read chunk by chunk, of at most ``max_seconds``; its model None when the voice model
    is not installed (the chunks are then only kept until the finish says so)."""
    voice_model, transcriber = voice_models(models())
    return LiveVoice(LiveSound(store().engine), voice_model, transcriber,
                     {"max_seconds": max_seconds, **limits().audio.decode()})


def receive_chunk(channel: str, session_id: str, index: int, max_seconds: float):
    """Chunk ``index`` of the session's recording from the request's body (``t``: the seconds the chunks up to
    this one hold), stored once and read as far as it completes a stretch; the JSON answer."""
    request.max_content_length = SOUND_CHUNK_MAX_BYTES
    data = request.get_data(cache=False)
    if not data:
        raise BadInput("Send the chunk's bytes as the request body.")
    if live_sessions().frame_context(session_id, channel) is None:  # this owner's, open, not expired (SessionClosed)
        raise UnprocessableInput("This capture session is unknown; start a new one.")
    recorded = request.args.get("t", type=float)
    answer = live_voice(max_seconds).add_chunk(
        session_id, index, data, max_chunks=SOUND_MAX_CHUNKS, max_bytes=current_app.config["AUDIO_MAX_MB"] * MB,
        recorded_s=recorded if recorded is not None and math.isfinite(recorded) else None)
    return jsonify(session=session_id, index=index, **answer)


def sound_status(session_id: str) -> dict:
    """How many chunks the server holds and how many seconds of them are read: the finish's progress."""
    sound = LiveSound(store().engine)
    return {"chunks": len(sound.indices(session_id)), "read_s": round(sound.read_until(session_id) / SAMPLE_RATE, 2)}


def chunks_sent() -> int | None:
    """The finish's ``chunks`` field: how many chunks the client sent (None: it sent none this way)."""
    expected = request.form.get("chunks", type=int)
    if expected is not None and not 0 <= expected <= SOUND_MAX_CHUNKS:
        raise BadInput(f"'chunks' is the number of chunks sent: 0 to {SOUND_MAX_CHUNKS}.")
    return expected


def answer_session_errors(bp) -> None:
    """A closed session and missing chunks answer 409 (the latter naming the chunks to send again)."""

    @bp.errorhandler(SessionClosed)
    def session_closed(exc: SessionClosed):
        return jsonify(error=str(exc)), 409

    @bp.errorhandler(ChunksMissing)
    def chunks_missing(exc: ChunksMissing):
        return jsonify(error=exc.message, missing=exc.missing), 409
