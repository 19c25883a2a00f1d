"""The OpenAPI document covers every /api/v1 route, and every documented operation answers as documented."""

from __future__ import annotations

import io
import re
import struct

import pytest
from library.stored_kinds import read_result
from jsonschema import Draft202012Validator

from media import interview_frame, jpeg_bytes, make_video
from sample_texts import ESSAY


def _documented_path(rule: str) -> str:
    """Werkzeug's ``/x/<session_id>`` -> OpenAPI's ``/x/{session_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@pytest.fixture
def doc(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["openapi"].startswith("3.1")
    return body


def test_every_api_route_is_documented(app, doc):
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = _documented_path(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method.lower() not in doc["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == [], f"routes missing from web/openapi.py: {missing}"


def _make_calls(app, client):
    """(method, documented path, call) for at least one request to every documented operation."""
    from library.history.owners import owner_of

    started = client.post("/api/v1/video/session")
    video_session = started.get_json()["session"]
    audio_session = client.post("/api/v1/audio/session").get_json()["session"]
    store = app.extensions["esapr_store"].for_owner(owner_of(started.headers["X-ESAPR-Token"]))  # this client's
    client.post("/api/v1/video/frame", data={"frame": (io.BytesIO(jpeg_bytes(interview_frame())), "f.jpg"),
                                             "session": video_session, "t": "0"})
    interview = client.post("/api/v1/interview").get_json()["session"]
    empty_interview = client.post("/api/v1/interview").get_json()["session"]
    video_id = store.add("video", read_result("video", {"distribution": {e: 1 / 7 for e in
                                                    ("angry", "disgust", "fear", "happy", "sad", "surprise",
                                                     "neutral")}})).id
    clip = make_video([interview_frame(dx=i) for i in range(5)], fps=5)

    def post(url, **kw):
        return lambda: client.post(url, **kw)

    def get(url):
        return lambda: client.get(url)

    png = b"\x89PNG\r\n\x1a\n" + bytes(99)  # a picture sent as a .txt: refused by its content

    def png_claiming(width: int, height: int) -> bytes:  # a PNG header alone: refused before any decoding
        header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header
    I, V = "/api/v1/interview/{session_id}", "/api/v1/video/session/{session_id}"  # noqa: E741 (documented paths)
    A, a = "/api/v1/audio/session/{session_id}", f"/api/v1/audio/session/{audio_session}"
    me = {"X-ESAPR-Token": client.post("/api/v1/text", data={"text": ESSAY}).headers["X-ESAPR-Token"]}
    mine = client.get("/api/v1/me", headers=me).get_json()["analyses"][0]["id"]

    def delete(url, headers):
        return lambda: client.delete(url, headers=headers)
    return [
        ("post", "/api/v1/text", 200, post("/api/v1/text", data={"text": ESSAY})),
        ("post", "/api/v1/text", 400, post("/api/v1/text", data={})),
        ("post", "/api/v1/text", 422, post("/api/v1/text", data={"text": "too short"})),
        ("post", "/api/v1/text", 415, post("/api/v1/text", data={"file": (io.BytesIO(png), "a.txt")})),
        ("get", "/api/v1/history/text", 200, get("/api/v1/history/text")),
        ("get", "/api/v1/history/{channel}.csv", 200, get("/api/v1/history/interview.csv")),
        ("get", "/api/v1/history/{channel}.csv", 404, get("/api/v1/history/nope.csv")),
        ("post", "/api/v1/video/session", 200, post("/api/v1/video/session")),
        ("get", "/api/v1/video/session/{session_id}", 200, get(f"/api/v1/video/session/{video_session}")),
        ("get", "/api/v1/video/session/{session_id}", 404, get("/api/v1/video/session/nope")),
        ("post", "/api/v1/video/frame", 200, post("/api/v1/video/frame", data={
            "frame": (io.BytesIO(jpeg_bytes(interview_frame())), "f.jpg")})),
        ("post", "/api/v1/video/frame", 400, post("/api/v1/video/frame", data={})),
        ("post", "/api/v1/video/frame", 413, post("/api/v1/video/frame", data={
            "frame": (io.BytesIO(png_claiming(100_000, 100_000)), "bomb.png")})),
        ("post", "/api/v1/video/frame", 415, post("/api/v1/video/frame", data={
            "frame": (io.BytesIO(b"not an image " * 20), "f.jpg")})),
        ("post", V + "/sound/{index}", 200, post(f"/api/v1/video/session/{video_session}/sound/0", data=b"\x1aE" * 50,
                                                 content_type="application/octet-stream")),
        ("post", V + "/sound/{index}", 400, post(f"/api/v1/video/session/{video_session}/sound/0", data=b"",
                                                 content_type="application/octet-stream")),
        ("post", V + "/sound/{index}", 413, post(f"/api/v1/video/session/{video_session}/sound/1",
                                                 data=bytes(600 * 1024), content_type="application/octet-stream")),
        ("post", V + "/sound/{index}", 422, post(f"/api/v1/video/session/{'0' * 32}/sound/0", data=b"x",
                                                 content_type="application/octet-stream")),
        ("post", V + "/finish", 200, post(f"/api/v1/video/session/{video_session}/finish")),
        ("post", V + "/finish", 409, post(f"/api/v1/video/session/{video_session}/finish")),
        ("post", V + "/sound/{index}", 409, post(f"/api/v1/video/session/{video_session}/sound/1", data=b"x",
                                                 content_type="application/octet-stream")),
        ("post", "/api/v1/video", 200, post("/api/v1/video", data={"video": (io.BytesIO(clip), "a.mp4")})),
        ("post", "/api/v1/video", 400, post("/api/v1/video", data={})),
        ("post", "/api/v1/video", 415, post("/api/v1/video", data={"video": (io.BytesIO(b"hello" * 50), "a.mp4")})),
        ("post", "/api/v1/audio", 400, post("/api/v1/audio", data={})),
        ("post", "/api/v1/audio/session", 200, post("/api/v1/audio/session")),
        ("get", A, 200, get(a)),
        ("get", A, 404, get("/api/v1/audio/session/nope")),
        ("post", A + "/sound/{index}", 200, post(a + "/sound/0", data=b"\x1aE" * 50,
                                                 content_type="application/octet-stream")),
        ("post", A + "/sound/{index}", 400, post(a + "/sound/0", data=b"", content_type="application/octet-stream")),
        ("post", A + "/sound/{index}", 413, post(a + "/sound/1", data=bytes(600 * 1024),
                                                 content_type="application/octet-stream")),
        ("post", A + "/sound/{index}", 422, post(f"/api/v1/audio/session/{'0' * 32}/sound/0", data=b"x",
                                                 content_type="application/octet-stream")),
        ("post", A + "/finish", 400, post(a + "/finish", data={"chunks": str(10**9)})),
        ("post", A + "/finish", 409, post(a + "/finish", data={"chunks": "2"})),
        ("post", "/api/v1/interview", 201, post("/api/v1/interview")),
        ("get", I, 200, get(f"/api/v1/interview/{interview}")),
        ("get", I, 404, get("/api/v1/interview/nope")),
        ("post", I + "/{step}", 200, post(f"/api/v1/interview/{interview}/video", data={"analysis_id": video_id})),
        ("post", I + "/{step}", 400, post(f"/api/v1/interview/{interview}/audio", data={"analysis_id": "nope"})),
        ("post", I + "/{step}", 404, post(f"/api/v1/interview/{interview}/nope", data={})),
        ("post", I + "/{step}/skip", 200, post(f"/api/v1/interview/{interview}/audio/skip")),
        ("post", I + "/report", 422, post(f"/api/v1/interview/{empty_interview}/report")),
        ("post", I + "/report", 200, post(f"/api/v1/interview/{interview}/report")),
        ("post", I + "/report", 409, post(f"/api/v1/interview/{interview}/report")),
        ("post", I + "/{step}/skip", 409, post(f"/api/v1/interview/{interview}/text/skip")),
        ("get", "/api/v1/openapi.json", 200, get("/api/v1/openapi.json")),
        ("get", "/api/v1/me", 200, lambda: client.get("/api/v1/me", headers=me)),
        ("get", "/api/v1/me", 401, get("/api/v1/me")),
        ("get", "/api/v1/me/export", 200, lambda: client.get("/api/v1/me/export", headers=me)),
        ("get", "/api/v1/me/export", 401, get("/api/v1/me/export")),
        ("get", "/api/v1/me/history/{channel}.csv", 200,
         lambda: client.get("/api/v1/me/history/text.csv", headers=me)),
        ("get", "/api/v1/me/history/{channel}.csv", 401, get("/api/v1/me/history/text.csv")),
        ("get", "/api/v1/me/history/{channel}.csv", 404,
         lambda: client.get("/api/v1/me/history/nope.csv", headers=me)),
        ("delete", "/api/v1/me/analyses/{analysis_id}", 200, delete(f"/api/v1/me/analyses/{mine}", me)),
        ("delete", "/api/v1/me/analyses/{analysis_id}", 404, delete(f"/api/v1/me/analyses/{mine}", me)),
        ("delete", "/api/v1/me/analyses/{analysis_id}", 401, delete(f"/api/v1/me/analyses/{mine}", {})),
        ("delete", "/api/v1/me", 200, delete("/api/v1/me", me)),
        ("delete", "/api/v1/me", 401, delete("/api/v1/me", {})),
    ]


@pytest.mark.real_models
def test_every_documented_operation_answers_as_documented(app, client, doc):
    calls = _make_calls(app, client)
    called = {(method, path) for method, path, _, _ in calls}
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented - called == set(), "documented operations this test does not call"
    for method, path, expected, call in calls:  # in order: later calls rely on earlier ones
        operation = doc["paths"][path][method]
        response = call()
        where = f"{method.upper()} {path} -> {response.status_code}"
        assert response.status_code == expected, f"{where}: {response.get_data(as_text=True)[:300]}"
        documented_response = operation["responses"].get(str(response.status_code))
        assert documented_response is not None, f"{where} is not documented"
        content = documented_response.get("content", {})
        media_type = response.mimetype
        assert media_type in content, f"{where}: {media_type} is not the documented {list(content)}"
        if media_type == "application/json":
            schema = {**content[media_type]["schema"], "components": doc["components"]}
            errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
            assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_schemas_are_valid_json_schema(doc):
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
