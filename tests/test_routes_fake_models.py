"""Routes over fake models injected through the registry: the web layer alone, in milliseconds."""

from __future__ import annotations

import io

import pytest

from conftest import make_test_app
from fakes import FixedExpressionModel, loaders_with
from media import interview_frame, jpeg_bytes


@pytest.fixture
def fake_face():
    return FixedExpressionModel("surprise", 0.7)


@pytest.fixture
def fake_app(tmp_path, fake_face):
    app = make_test_app(tmp_path, loaders_with(expression=fake_face))
    yield app
    app.extensions["esapr_store"].close()


def test_a_live_capture_reads_and_stores_what_the_injected_model_says(fake_app, fake_face):
    client = fake_app.test_client()
    session = client.post("/api/v1/video/session").get_json()["session"]
    for index in range(3):
        data = jpeg_bytes(interview_frame(4 * index))
        body = client.post("/api/v1/video/frame", data={"frame": (io.BytesIO(data), "f.jpg"), "session": session,
                                                        "t": str(index * 0.2)},
                           content_type="multipart/form-data").get_json()
        face = body["faces"][0]
        assert face["dominant"] == "surprise" and face["probabilities"]["surprise"] == pytest.approx(0.7)
    assert fake_face.calls >= 3  # the route used the registry's model, not the shipped one
    finished = client.post(f"/api/v1/video/session/{session}/finish").get_json()
    assert finished["dominant"] == "surprise" and finished["frames_with_face"] == 3
    page = client.get(f"/video/result/{finished['id']}")
    assert page.status_code == 200 and "surprise" in page.get_data(as_text=True)
