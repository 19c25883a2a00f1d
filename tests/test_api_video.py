"""The video API with the real shipped model: frames, capture sessions, uploads, bad input."""

from __future__ import annotations

import io

import pytest

from library.emotions import EMOTIONS
from media import interview_frame, jpeg_bytes, make_video

pytestmark = pytest.mark.real_models  # the face model reads every frame


@pytest.fixture(autouse=True)
def _needs_model(app):
    from library.video.model import DEFAULT_PATH

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH} (python -m library.video.train)")


@pytest.fixture(scope="module")
def frame_jpeg():
    return jpeg_bytes(interview_frame())


def _post_frame(client, data, **fields):
    return client.post("/api/v1/video/frame", data={"frame": (io.BytesIO(data), "f.jpg"), **fields},
                       content_type="multipart/form-data")


def test_one_off_frame_finds_the_face(client, frame_jpeg):
    response = _post_frame(client, frame_jpeg)
    assert response.status_code == 200, response.get_json()
    faces = response.get_json()["faces"]
    assert len(faces) == 1
    face = faces[0]
    x, y, w, h = face["box"]
    assert 150 < x < 260 and 40 < y < 150 and 80 < w < 180  # where the astronaut's face is
    assert len(face["landmarks"]) == 68 and all(len(p) == 2 for p in face["landmarks"])
    assert tuple(face["probabilities"]) == EMOTIONS
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    assert face["dominant"] == max(face["probabilities"], key=face["probabilities"].get)


def test_raw_jpeg_body_is_accepted(client, frame_jpeg):
    response = client.post("/api/v1/video/frame", data=frame_jpeg, content_type="image/jpeg")
    assert response.status_code == 200 and len(response.get_json()["faces"]) == 1


def test_frame_without_face_is_empty_list(client):
    import numpy as np

    blank = jpeg_bytes(np.full((480, 640, 3), 128, dtype=np.uint8))
    assert _post_frame(client, blank).get_json()["faces"] == []


@pytest.mark.parametrize("payload, status", [
    (b"this is not an image at all", 415),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 100, 422),  # JPEG magic, broken body
])
def test_bad_frames(client, payload, status):
    response = _post_frame(client, payload)
    assert response.status_code == status
    assert "error" in response.get_json()


def test_missing_frame_and_bad_time(client, frame_jpeg):
    assert client.post("/api/v1/video/frame", data={}).status_code == 400
    assert _post_frame(client, frame_jpeg, t="soon").status_code == 400
    assert _post_frame(client, frame_jpeg, t="nan").status_code == 400


def test_oversized_frame_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = _post_frame(client, b"\xff\xd8\xff" + b"\x00" * 20_000)
    assert response.status_code == 413


def test_capture_session_accumulates_then_finishes_to_dashboard(client, app):
    session = client.post("/api/v1/video/session").get_json()["session"]
    for i in range(6):
        body = _post_frame(client, jpeg_bytes(interview_frame(dx=2 * i)), session=session, t=f"{0.2 * i:.1f}").get_json()
        assert body["frames_in_session"] == i + 1
    status = client.get(f"/api/v1/video/session/{session}").get_json()
    assert status["samples"] == 6 and status["analysis_id"] is None
    finished = client.post(f"/api/v1/video/session/{session}/finish")
    assert finished.status_code == 200
    result = finished.get_json()
    assert result["frames_with_face"] == 6 and result["dominant"] in EMOTIONS
    assert len(result["timeline"]) == 6 and result["source"] == "live"
    stored = app.extensions["esapr_store"].get(result["id"])
    assert stored.channel == "video" and stored.scores["gradcam"]["grid"] == 24  # first frame got a Grad-CAM view
    # Again: a finished session takes no more frames and cannot finish twice.
    assert client.post(f"/api/v1/video/session/{session}/finish").status_code == 409
    assert _post_frame(client, jpeg_bytes(interview_frame()), session=session).status_code == 409
    page = client.get(f"/video/result/{result['id']}").get_data(as_text=True)
    assert "spec-timeline" in page and "spec-gradcam" in page and "dominant expression" in page


def test_unknown_session_is_refused(client, frame_jpeg):
    assert _post_frame(client, frame_jpeg, session="0" * 32).status_code == 422
    assert client.get("/api/v1/video/session/nope").status_code == 404


def test_upload_video_file(client):
    frames = [interview_frame(dx=i % 5) for i in range(20)]
    data = make_video(frames, "mp4", "libx264", fps=10)
    response = client.post("/api/v1/video", data={"video": (io.BytesIO(data), "clip.mp4")},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["frames_with_face"] >= 8 and body["source"] == "file"
    assert 1.5 <= body["duration_s"] <= 2.1
    assert "gradcam" not in body  # kept for the owner's dashboard, not sent back
    page = client.get(f"/video/result/{body['id']}")
    assert page.status_code == 200
    assert 'id="chart-gradcam"' in page.get_data(as_text=True)  # an upload shows where the model looked too


def test_upload_garbage_and_wrong_type(client):
    bad = client.post("/api/v1/video", data={"video": (io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500), "x.mp4")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422
    text = client.post("/api/v1/video", data={"video": (io.BytesIO(b"hello world " * 50), "x.mp4")},
                       content_type="multipart/form-data")
    assert text.status_code == 415
    assert client.post("/api/v1/video", data={}).status_code == 400


def test_video_page_asks_consent_first(client):
    page = client.get("/video/").get_data(as_text=True)
    assert 'id="consent-box"' in page and "disabled" in page and "No picture or video of you is kept" in page


def test_a_face_reading_under_the_measured_threshold_reads_unclear(client, app):
    """The summary says whether the face reading clears the model's measured threshold; the page says
    'unclear' (with the lean) when it does not."""
    pipeline = app.extensions["esapr_models"].get("face_pipeline")
    session = client.post("/api/v1/video/session").get_json()["session"]
    assert _post_frame(client, jpeg_bytes(interview_frame()), session=session, t="0").status_code == 200
    body = client.post(f"/api/v1/video/session/{session}/finish").get_json()
    top = max(body["distribution"].values())
    assert body["confident"] is (top >= pipeline.model.abstain_below)
    page = client.get(f"/video/result/{body['id']}").get_data(as_text=True)
    shown = "unclear" if not body["confident"] else body["dominant"]
    assert f'id="face-dominant">{shown}<' in page
