"""The HTTP API described as an OpenAPI 3.1 document, served at /api/v1/openapi.json.

Written by hand, as data: each /api/v1 route is listed with its request and its answers
(status codes and JSON Schemas of the bodies). ``tests/test_openapi.py`` fails when a
route is missing from it, and calls every documented operation to check that the
status codes and bodies match, so the document cannot drift from the code unnoticed.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from library.emotions import EMOTIONS
from library.interview import STEPS
from library.stored_kinds import KINDS
from library.text import TRAITS

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict[str, dict], optional: dict[str, dict] | None = None) -> dict:
    """An object schema with these keys (more may come: clients must ignore unknown keys)."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


def _prob_map(keys) -> dict:
    return {"type": "object", "required": list(keys),
            "properties": {k: {"type": "number", "minimum": 0, "maximum": 1} for k in keys}}


NUM, INT, STR, BOOL = {"type": "number"}, {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
NULLABLE_NUM = {"type": ["number", "null"]}
ARRAY = {"type": "array"}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


def _ok(schema: dict, description: str = "OK", status: str = "200") -> dict:
    return {status: {"description": description, "content": {JSON: {"schema": schema}}}}


def _multipart(properties: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": bool(required), "content": {"multipart/form-data": {"schema": schema}}}


def _path_param(name: str, description: str, enum=None) -> dict:
    schema = {"type": "string"}
    if enum:
        schema["enum"] = list(enum)
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


SESSION = _path_param("session_id", "A session id from the matching start call.")
TOKEN = {"name": "X-ESAPR-Token", "in": "header", "required": True, "schema": {"type": "string"},
         "description": "Your private token: every analysis answer carries it in this header (web/platform/owner.py)."}
STEP = _path_param("step", "The interview step.", STEPS)
CHANNEL = _path_param("channel", "The channel.", KINDS)

CAPTURE_SESSION = _obj({"session": STR, "expires_in_s": INT})
CAPTURE_STATUS = _obj({"session": STR, "channel": STR, "progress": NUM, "samples": INT,
                       "analysis_id": {"type": ["string", "null"]},
                       # the microphone chunks stored, and the seconds of them already read
                       "sound": _obj({"chunks": INT, "read_s": NUM})})
CHUNK_INDEX = _path_param("index", "The chunk's number, from 0.")
CHUNK_SECONDS = {"name": "t", "in": "query", "required": False, "schema": NUM,
                 "description": "Seconds of recording the chunks up to this one hold (optional)"}
CHUNK_BODY = {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                      "format": "binary"}}}}
CHUNK_RESPONSES = {**_ok(_ref("SoundChunk")), "400": _error("An empty body or an index out of range"),
                   "409": _error("Expired or already finished"),
                   "413": _error("The chunk, or the session's chunks together, over the size limits; or the "
                                 "recording so far (`t`, or the sound decoded) over the length limit"),
                   "422": _error("You have no capture session with this id"),
                   "404": _error("The index is not a whole number (the route takes 0, 1, ...)")}
MISSING_CHUNKS = ("Unknown, expired or already finished; or chunks missing (`missing`: their indices, to send "
                  "again before finishing)")

SCHEMAS = {
    "Error": _obj({"error": STR}),
    "StoredAnalysis": _obj({"id": STR, "channel": {"enum": list(KINDS)},
                            "created_at": STR, "scores": {"type": "object"}}),
    "Emotions": _prob_map(EMOTIONS),
    "Traits": _prob_map(TRAITS),
    "TextAnalysis": _obj({"id": STR, "traits": _ref("Traits"), "word_count": INT,
                          "top_words": {"type": "array", "items": {"type": "array", "prefixItems": [STR, INT]}},
                          "emotion_reading": _ref("EmotionReading")}),
    "EmotionReading": _obj({
        "state": {"enum": ["named", "unclear", "neutral"]},
        "shown": {"type": "string", "description": "what the page names: the label, or unclear / neutral"},
        "label": {"enum": ["happy", "angry", "sad", "fear", "disgust", "shame", "guilt"]},
        "confidence": NUM, "probabilities": {"type": "object", "additionalProperties": NUM},
        "unclear_below": NUM, "neutral_possible": {"type": "boolean"},
        "pushed_by": {"type": "array", "description": "(word, points of the label it adds), most first",
                      "items": {"type": "array", "prefixItems": [STR, NUM]}},
        "explained_by": {"enum": ["occlusion", "linear", ""]}}),
    "TextHistory": _obj({"channel": STR, "count": INT,
                         "traits": {"type": "object", "description": "per trait: mean, std, n and quantiles, with "
                                    "noise (library/history/disclosure.py); empty under `figures_min_people` people"},
                         "word_count": {"type": ["object", "null"]},
                         "figures_min_people": INT, "figures_note": {"type": ["string", "null"]},
                         "top_words": {"type": "array", "description": "(word, people who used it, with noise), the "
                                       "words the most people used; only words `top_words_min_users` different "
                                       "people used"},
                         "top_words_min_users": INT, "top_words_note": {"type": ["string", "null"]}}),
    "Face": _obj({"box": {"type": "array", "items": NUM, "minItems": 4, "maxItems": 4},
                  "landmarks": {"type": "array", "items": {"type": "array", "items": NUM}},
                  "probabilities": _ref("Emotions"), "dominant": {"enum": list(EMOTIONS)}}),
    "Frame": _obj({"faces": {"type": "array", "items": _ref("Face")}},
                  {"session": STR, "frames_in_session": INT}),
    "VideoSession": CAPTURE_SESSION,
    "VideoSessionStatus": CAPTURE_STATUS,
    "AudioSession": CAPTURE_SESSION,  # the voice page's: its recording sent in chunks while the person speaks
    "AudioSessionStatus": CAPTURE_STATUS,
    "SoundChunk": _obj({"session": STR, "index": INT, "duplicate": BOOL, "received": INT, "contiguous": INT,
                        "read_s": NUM}),
    "VideoSummary": _obj({"id": STR, "duration_s": NUM, "frames_analysed": INT, "frames_with_face": INT,
                          "distribution": {"oneOf": [_ref("Emotions"), {"type": "null"}]},
                          "dominant": {"type": ["string", "null"]}, "blinks": INT,
                          "blinks_per_minute": NULLABLE_NUM, "timeline": ARRAY},
                         # The answer's sound (an upload's own track; the live page's microphone recording):
                         # null with `voice_note` saying why when there is none; the face stands either way.
                         {"confident": {"type": ["boolean", "null"], "description": "false: the face reading is "
                                        "under the model's measured threshold (the page says unclear)"},
                          "voice": {"oneOf": [_ref("VoiceReading"), {"type": "null"}]},
                          "transcript": {"oneOf": [_ref("Transcript"), {"type": "null"}]},
                          "words": {"oneOf": [_ref("SpokenWords"), {"type": "null"}]},
                          "voice_note": {"type": ["string", "null"], "description": "why there is no voice reading "
                                         "(no sound track, no recording, silence), in a sentence"}}),
    "VoiceReading": _obj({"duration_s": NUM, "timeline": {"type": "array", "description": "one point per voiced "
                                                            "second, `t` on the same clock as the face's timeline"},
                          "distribution": _ref("Emotions"), "dominant": {"enum": list(EMOTIONS)},
                          "mean_probabilities": _ref("Emotions"), "voiced_fraction": NUM, "confident": BOOL}),
    "AudioAnalysis": _obj({"id": STR, "duration_s": NUM, "timeline": ARRAY, "distribution": _ref("Emotions"),
                           "dominant": {"enum": list(EMOTIONS)}, "mean_probabilities": _ref("Emotions"),
                           "voiced_fraction": NUM, "clipping_fraction": NUM, "clipped": BOOL,
                           "confident": {"type": "boolean", "description": "false: the top probability is under "
                                         "the threshold below which validation accuracy fell under 40%; say "
                                         "\"unclear\" rather than naming `dominant`"}},
                          {"transcript": _ref("Transcript"), "words": _ref("SpokenWords")}),
    "Transcript": _obj({"text": STR, "segments": {"type": "array", "items": _obj({"start": NUM, "end": NUM,
                                                                                    "text": STR})},
                        "language": STR,
                        "confident": {"type": "boolean", "description": "the model's own probabilities back the "
                                      "words; false for silence, noise or mumbling"}},
                       {"translation": _obj({"text": STR, "segments": {"type": "array", "items": _obj(
                           {"start": NUM, "end": NUM, "text": STR})}, "language": {"const": "en"},
                           "translated": {"const": True}})}),
    "SpokenWords": _obj({"word_count": INT, "emotion": _ref("Emotions"), "extra": {"type": "object"},
                         "dominant": {"enum": list(EMOTIONS)}, "traits": {"type": ["object", "null"]},
                         "too_short_for_traits": BOOL, "min_words_for_traits": INT},
                        {"reading": _ref("EmotionReading")}),
    "InterviewState": _obj({
        "session": STR,
        "steps": {"type": "object", "required": list(STEPS),
                  "properties": {s: {"type": ["string", "null"], "description": "analysis id, \"skipped\", or null"}
                                 for s in STEPS}},
        "next_step": {"type": ["string", "null"]}, "report_id": {"type": ["string", "null"]},
        "next_url": {"type": "string", "description": "the page a browser goes to next"},
    }, {"id": STR, "expires_in_s": INT}),
    "InterviewReport": _obj({
        "id": STR, "report_url": STR,
        "steps": {"type": "object"},
        "big_five": {"oneOf": [_ref("Traits"), {"type": "null"}]},
        "report": _obj({
            "fused": _obj({"probabilities": _ref("Emotions"), "dominant": {"enum": list(EMOTIONS)},
                           "confidence": {"enum": ["low", "moderate", "fairly high"]},
                           "coherence": {"enum": ["high", "partial", "low", "not applicable"]},
                           "state": STR, "channels_used": ARRAY, "channels_missing": ARRAY,
                           "weights": {"type": "object"}, "readings": {"type": "object"},
                           "agreements": ARRAY, "notes": ARRAY}),
            "reliability": {"type": "object"}, "suggestions": ARRAY, "suggestions_note": STR, "statement": STR,
        }),
    }, {"words": _obj({"probabilities": {"type": ["object", "null"]}, "reliability": NULLABLE_NUM,
                       "weights": {"type": "object", "description": "step -> share of the words channel: the "
                                   "written answer and the video and voice answers' transcripts"},
                       "sources": ARRAY, "notes": ARRAY})}),
}

PATHS = {
    "/api/v1/text": {"post": {
        "summary": "Big Five from a text (form field `text`, JSON `text`, or a .txt/.pdf in `file`)",
        "requestBody": _multipart({"text": STR, "file": {"type": "string", "format": "binary"}}),
        "responses": {**_ok(_ref("TextAnalysis")), "400": _error("Nothing to analyse"),
                      "413": _error("Too large: characters, PDF pages, or the time or memory reading a PDF takes"),
                      "415": _error("Not text or PDF (judged by content)"),
                      "422": _error("Too short, encrypted, scanned or corrupt PDF")},
    }},
    "/api/v1/history/text": {"get": {
        "summary": "Aggregates of every stored text analysis: no ids, no one person's words",
        "responses": _ok(_ref("TextHistory")),
    }},
    "/api/v1/history/{channel}.csv": {"get": {
        "summary": "Everyone's figures of a channel in aggregate (no ids, no rows): one CSV row per measure "
                   "with n, mean, std and quantiles; your own rows are /api/v1/me/history/{channel}.csv",
        "parameters": [CHANNEL],
        "responses": {"200": {"description": "CSV: measure,n,mean,std,p10,p25,median,p75,p90",
                              "content": {"text/csv": {"schema": STR}}},
                      "404": _error("Unknown channel")},
    }},
    "/api/v1/video/frame": {"post": {
        "summary": "Faces, landmarks and emotions in one JPEG/PNG frame (optionally part of a session): "
                   "the image as the whole body (image/jpeg or image/png, `session` and `t` in the query; what "
                   "the live page sends, no multipart to parse) or in the multipart field `frame`",
        "parameters": [{"name": "session", "in": "query", "required": False, "schema": STR,
                        "description": "The capture session this frame belongs to."},
                       {"name": "t", "in": "query", "required": False, "schema": NUM,
                        "description": "Seconds since the capture began."},
                       {"name": "after", "in": "query", "required": False, "schema": INT,
                        "description": "`frames_in_session` of the answer to this session's previous frame; lets "
                                       "the worker that served it skip reading the session (optional)"}],
        "requestBody": {"required": True, "content": {
            **_multipart({"frame": {"type": "string", "format": "binary"}, "session": STR, "t": NUM},
                         ["frame"])["content"],
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {**_ok(_ref("Frame")), "400": _error("No frame, or a bad `t`"),
                      "413": _error("Over the size limits (bytes, or width and height read from the header)"),
                      "415": _error("Not a JPEG or PNG (judged by content), a progressive JPEG or an animated PNG"),
                      "422": _error("Unknown session, or a damaged or undecodable image"),
                      "409": _error("Session expired, full or finished")},
    }},
    "/api/v1/video/session": {"post": {
        "summary": "Start a live capture session", "responses": _ok(_ref("VideoSession")),
    }},
    "/api/v1/video/session/{session_id}": {"get": {
        "summary": "Progress of a capture session", "parameters": [SESSION],
        "responses": {**_ok(_ref("VideoSessionStatus")), "404": _error("You have no capture session with this id")},
    }},
    "/api/v1/video/session/{session_id}/sound/{index}": {"post": {
        "summary": "Chunk `index` (0, 1, ...) of the answer's microphone recording, sent while the person speaks: "
                   "the bytes MediaRecorder gave (the first holds the WebM/Ogg header) as the whole body. "
                   "Idempotent by index (a repeat is answered with `duplicate`, the first copy kept), any order; "
                   "the voice and words are read as the chunks complete a stretch, so the finish reads only the "
                   "last seconds. Kept until the finish, which deletes them",
        "parameters": [SESSION, CHUNK_INDEX, CHUNK_SECONDS], "requestBody": CHUNK_BODY,
        "responses": CHUNK_RESPONSES,
    }},
    "/api/v1/video/session/{session_id}/finish": {"post": {
        "summary": "Summarise a session's frames into one stored analysis, with the voice, transcript and words of "
                   "the same answer: from the microphone chunks sent during it (`chunks`: how many were sent), or "
                   "one whole recording (`audio`, as older pages send it); none, or an unreadable one, leaves the "
                   "face alone", "parameters": [SESSION],
        "requestBody": _multipart({"audio": {"type": "string", "format": "binary"}, "chunks": INT}),
        "responses": {**_ok(_ref("VideoSummary")),
                      "409": _error(MISSING_CHUNKS),
                      "413": _error("The recording is over the audio size limit")},
    }},
    "/api/v1/video": {"post": {
        "summary": "Analyse a recorded video (MP4, WebM, MOV): the face in its frames, and the voice, transcript "
                   "and words in its sound track",
        "requestBody": _multipart({"video": {"type": "string", "format": "binary"}, "session": STR}, ["video"]),
        "responses": {**_ok(_ref("VideoSummary")), "400": _error("No file"),
                      "409": _error("The session named in `session` is expired or finished"),
                      "413": _error("Too large or too long (size, picture, frames or duration)"),
                      "415": _error("Not a video (judged by content), or not in a codec we decode"),
                      "422": _error("Unknown session, undecodable, or an absurd frame rate")},
    }},
    "/api/v1/audio": {"post": {
        "summary": "Emotion in a recorded voice, second by second",
        "requestBody": _multipart({"audio": {"type": "string", "format": "binary"}}, ["audio"]),
        "responses": {**_ok(_ref("AudioAnalysis")), "400": _error("No file"),
                      "413": _error("Over the size or length limit"), "415": _error("Not a recording we read"),
                      "422": _error("Undecodable, too short, no voice, or a sample rate or channel count "
                                    "out of range")},
    }},
    "/api/v1/audio/session": {"post": {
        "summary": "Start a voice page's capture session: its recording goes in chunks while the person speaks",
        "responses": _ok(_ref("AudioSession")),
    }},
    "/api/v1/audio/session/{session_id}": {"get": {
        "summary": "Progress of a voice capture session: the chunks stored, the seconds read, the finish's share",
        "parameters": [SESSION],
        "responses": {**_ok(_ref("AudioSessionStatus")), "404": _error("You have no voice capture session with "
                                                                        "this id")},
    }},
    "/api/v1/audio/session/{session_id}/sound/{index}": {"post": {
        "summary": "Chunk `index` (0, 1, ...) of the voice page's recording, sent while the person speaks, as the "
                   "live video answer's (`/api/v1/video/session/{session_id}/sound/{index}`): idempotent by index, "
                   "any order, read as the chunks complete a stretch; kept until the finish, which deletes them",
        "parameters": [SESSION, CHUNK_INDEX, CHUNK_SECONDS], "requestBody": CHUNK_BODY,
        "responses": CHUNK_RESPONSES,
    }},
    "/api/v1/audio/session/{session_id}/finish": {"post": {
        "summary": "The answer's voice analysis, stored (the same as `/api/v1/audio` gives for the whole "
                   "recording): from the chunks sent during it (`chunks`: how many were sent), only the last "
                   "seconds left to read; or one whole recording (`audio`) when the chunks could not be sent. The "
                   "session's sound is deleted, also when it is refused", "parameters": [SESSION],
        "requestBody": _multipart({"audio": {"type": "string", "format": "binary"}, "chunks": INT}),
        "responses": {**_ok(_ref("AudioAnalysis")), "400": _error("No chunks and no recording, or a bad `chunks`"),
                      "409": _error(MISSING_CHUNKS),
                      "413": _error("Over the size or length limit"), "415": _error("Not a recording we read"),
                      "422": _error("Undecodable, too short, no voice, or a sample rate or channel count "
                                    "out of range")},
    }},
    "/api/v1/interview": {"post": {
        "summary": "Start a guided interview (video, audio, text steps)",
        "responses": _ok(_ref("InterviewState"), "Started", "201"),
    }},
    "/api/v1/interview/{session_id}": {"get": {
        "summary": "An interview's steps and, once finished, its report id (only for the browser or token "
                   "that started it)", "parameters": [SESSION],
        "responses": {**_ok(_ref("InterviewState")), "404": _error("You have no interview with this id")},
    }},
    "/api/v1/interview/{session_id}/{step}": {"post": {
        "summary": "Answer a step: `analysis_id` of a video/audio analysis, or the written answer (`text`/`file`); "
                   "answering again replaces the earlier answer",
        "parameters": [SESSION, STEP],
        "requestBody": _multipart({"analysis_id": STR, "text": STR, "file": {"type": "string", "format": "binary"}}),
        "responses": {**_ok(_ref("InterviewState")), "400": _error("Missing or unknown analysis, or no text"),
                      "404": _error("Unknown step, or you have no interview with this id"),
                      "409": _error("Interview expired or finished"),
                      "413": _error("Text too large"), "415": _error("Not text or PDF"),
                      "422": _error("Text too short")},
    }},
    "/api/v1/interview/{session_id}/{step}/skip": {"post": {
        "summary": "Skip a step", "parameters": [SESSION, STEP],
        "responses": {**_ok(_ref("InterviewState")), "404": _error("Unknown step, or you have no interview with this id"),
                      "409": _error("Interview expired or finished")},
    }},
    "/api/v1/interview/{session_id}/report": {"post": {
        "summary": "Finish the interview: fuse the answered channels into the stored report",
        "parameters": [SESSION],
        "responses": {**_ok(_ref("InterviewReport")), "404": _error("You have no interview with this id"),
                      "409": _error("Interview expired or finished"), "422": _error("No step gave a reading")},
    }},
    "/api/v1/me": {
        "get": {"summary": "Your stored analyses, oldest first", "parameters": [TOKEN],
                "responses": {**_ok(_obj({"analyses": {"type": "array", "items": _ref("StoredAnalysis")}})),
                              "401": _error("No valid token in X-ESAPR-Token")}},
        "delete": {"summary": "Delete all your analyses and any capture you left open", "parameters": [TOKEN],
                   "responses": {**_ok(_obj({"deleted": INT})), "401": _error("No valid token in X-ESAPR-Token")}},
    },
    "/api/v1/me/export": {"get": {
        "summary": "Everything stored about you: your analyses and any open capture with its samples",
        "parameters": [TOKEN],
        "responses": {**_ok(_obj({"exported_at": STR, "analyses": {"type": "array", "items": _ref("StoredAnalysis")},
                                  "captures": ARRAY})),
                      "401": _error("No valid token in X-ESAPR-Token")},
    }},
    "/api/v1/me/history/{channel}.csv": {"get": {
        "summary": "Your own analyses of one channel as CSV, one row each (every stored figure)",
        "parameters": [TOKEN, CHANNEL],
        "responses": {"200": {"description": "CSV, one row per analysis", "content": {"text/csv": {"schema": STR}}},
                      "401": _error("No valid token in X-ESAPR-Token"), "404": _error("Unknown channel")},
    }},
    "/api/v1/me/analyses/{analysis_id}": {"delete": {
        "summary": "Delete one of your analyses",
        "parameters": [TOKEN, _path_param("analysis_id", "The id an analysis answer gave.")],
        "responses": {**_ok(_obj({"deleted": INT})), "401": _error("No valid token in X-ESAPR-Token"),
                      "404": _error("You have no analysis with this id")},
    }},
    "/api/v1/openapi.json": {"get": {
        "summary": "This document", "responses": _ok({"type": "object", "required": ["openapi", "paths"]}),
    }},
}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": "Any unique string (1-255 printable ASCII). A retry with the same key, the same private token "
                   "(X-ESAPR-Token, or a browser's cookie) and the same request gets the first answer again, with "
                   "`Idempotent-Replayed: true`, instead of a second analysis; the same key with a different "
                   "request is 422. A request with no token matches nothing kept: send your token (or one you "
                   "made: 32 URL-safe random characters) from the first try. Answers are kept 24 h, and go "
                   "when their analysis is deleted (web/platform/idempotency.py)."}


def _with_common_answers(paths: dict) -> dict:
    """Answers any operation may give, added to each: the rate limit (web/platform/rate_limit.py), the
    refusal of another site's browser requests (web/platform/security.py), the database refusing writes."""
    retry = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait"}}
    out: dict = {}
    for path, operations in paths.items():
        out[path] = {}
        for method, operation in operations.items():
            responses = {"429": {**_error("Too many requests from this client; wait and retry"), "headers": retry},
                         **operation["responses"]}
            extra = {}
            if method in ("post", "delete"):
                responses.setdefault("403", _error("A browser request from another site"))
                responses.setdefault("503", {**_error("The database can't take writes now, or the worker is busy "
                                                      "with other analyses; nothing was saved"),
                                             "headers": retry})
            if method == "post":
                responses.setdefault("400", _error("A malformed Idempotency-Key"))
                responses.setdefault("409", _error("A request with this Idempotency-Key is still being answered"))
                responses.setdefault("422", _error("This Idempotency-Key was used for a different request"))
                extra["parameters"] = [*operation.get("parameters", []), IDEMPOTENCY_KEY]
            responses.setdefault("400", _error("A Host this server does not answer to (ESAPR_TRUSTED_HOSTS)"))
            out[path][method] = {**operation, **extra, "responses": responses}
    return out


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "ESAPR API", "version": "1",
                 "description": "Emotion and personality estimates from text, face and voice. Results come from "
                                "weak models and are not a diagnosis; never use them to judge people."},
        "servers": [{"url": "/"}],
        "paths": _with_common_answers(PATHS),
        "components": {"schemas": SCHEMAS},
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
