"""`python main.py analyze --interview VIDEO AUDIO TEXT`: the web app's interview report, from files."""

from __future__ import annotations

import io
import json

import pytest

import main
from sample_texts import ESSAY


@pytest.fixture
def answers(tmp_path):
    from speech import spoken_wav  # skips without espeak-ng

    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    return spoken_wav(tmp_path / "voice.wav"), essay


def test_the_command_line_report_is_the_web_report(answers, client, capsys, needs_speech_model):
    wav, essay = answers
    assert main.main(["analyze", "--interview", "-", str(wav), str(essay)]) == 0
    offline = json.loads(capsys.readouterr().out)
    assert offline["steps"]["video"] == "skipped"
    assert offline["report"]["fused"]["channels_used"] == ["audio", "text"]

    session_id = client.post("/api/v1/interview").get_json()["session"]
    client.post(f"/api/v1/interview/{session_id}/video/skip")
    voice = client.post("/api/v1/audio", data={"audio": (io.BytesIO(wav.read_bytes()), "voice.wav")},
                        content_type="multipart/form-data").get_json()
    client.post(f"/api/v1/interview/{session_id}/audio", json={"analysis_id": voice["id"]})
    client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY})
    web = client.post(f"/api/v1/interview/{session_id}/report").get_json()
    assert offline["report"]["fused"]["probabilities"] == web["report"]["fused"]["probabilities"]
    assert offline["report"]["fused"]["notes"] == web["report"]["fused"]["notes"]
    assert offline["big_five"] == web["big_five"]


def test_a_file_given_for_the_wrong_step_is_refused(answers, capsys):
    _wav, essay = answers
    assert main.main(["analyze", "--interview", str(essay), "-", "-"]) == 1
    assert "given as the video answer but holds text" in capsys.readouterr().err
