"""JSON API of the audio channel: one uploaded recording -> emotion second by second."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from library.audio.upload import analyse_audio_upload
from library.errors import BadInput
from library.results import api_form
from web.platform.extensions import limits, models, store
from web.platform.policy import heavy_analysis, rate_limited

bp = Blueprint("audio_api", __name__, url_prefix="/api/v1/audio")


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
