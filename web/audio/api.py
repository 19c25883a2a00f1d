"""JSON API of the audio channel: one uploaded recording -> emotion second by second."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from library.audio import analyse_signal
from library.audio.decode import decode_audio
from library.errors import BadInput
from library.results import api_form
from web.platform.extensions import models, spoken_words_reader, store
from web.platform.policy import heavy_analysis, rate_limited

bp = Blueprint("audio_api", __name__, url_prefix="/api/v1/audio")
MB = 1024 * 1024


@bp.post("")
@rate_limited("analysis")
@heavy_analysis
def analyse_audio_api():
    config = current_app.config
    max_bytes = config["AUDIO_MAX_MB"] * MB
    # A little room over the file limit for the multipart envelope: the engine's own check on
    # the file's bytes then answers "too large" with the precise limit.
    request.max_content_length = max_bytes + 64 * 1024
    upload = request.files.get("audio") or request.files.get("file")
    if upload is None:
        raise BadInput("Send the recording in the multipart field 'audio'.")
    # upload.stream is an in-memory buffer or an anonymous (already unlinked) temporary file;
    # the engine decodes from memory, so no copy of the voice lands on disk. Decoding first (what
    # analyse_recording does) so that every configured limit reaches the decoder.
    signal, rate = decode_audio(upload.stream.read(), max_bytes=max_bytes,
                                max_seconds=float(config["AUDIO_MAX_SECONDS"]), min_rate=config["AUDIO_MIN_RATE"],
                                max_rate=config["AUDIO_MAX_RATE"], max_channels=config["AUDIO_MAX_CHANNELS"],
                                max_samples=config["AUDIO_MAX_SAMPLES"])
    analysis = analyse_signal(signal, rate, models().get("speech_emotion"), models().get("transcriber"),
                              spoken_words_reader(config))
    analysis.models = models().ids_for("audio", analysis)
    stored = store().add("audio", analysis)
    return jsonify({"id": stored.id, **api_form(analysis.to_dict())})
