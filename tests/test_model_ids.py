"""Every stored result names the model files that made it (library/model_ids.py): name, version, hash."""

from __future__ import annotations

import hashlib
from importlib import metadata

import pytest

from library.audio.whisper_packages import WHISPER_MODELS
from library.model_ids import models_used
from library.paths import MODELS_DIR
from library.registry import ModelCache
from library.stored_kinds import read_result
from sample_texts import ESSAY
from web.platform.extensions import store


def _hash16(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _names_and_hashes(ids) -> dict[str, str | None]:
    return {entry["name"]: entry["sha256"] for entry in ids}


def test_each_channels_models_name_the_files_they_read(shared_loaders):
    cache = ModelCache(shared_loaders)
    face = _names_and_hashes(cache.ids(["face_pipeline"]))
    assert face["expression.onnx"] == _hash16(MODELS_DIR / "video" / "expression.onnx")
    if cache.get("face_pipeline").model.has_wild:
        assert face["expression_wild.onnx"] == _hash16(MODELS_DIR / "video" / "expression_wild.onnx")
    voice = cache.ids(["speech_emotion", "transcriber"])
    assert _names_and_hashes(voice)["speech_emotion_head.npz"] == _hash16(MODELS_DIR / "audio" / "speech_emotion_head.npz")
    packages = WHISPER_MODELS[cache.get("speech_emotion").encoder.name].distributions  # base: two, one a part
    whisper = [e for e in voice if e["name"] in packages]
    assert whisper == [{"name": p, "version": metadata.version(p), "sha256": None} for p in packages]  # each once
    text = _names_and_hashes(cache.ids(["personality", "text_emotion"]))
    assert text["personality.joblib"] == _hash16(MODELS_DIR / "text" / "personality.joblib")
    assert text["emotion.joblib"] == _hash16(MODELS_DIR / "text" / "emotion.joblib")


@pytest.mark.real_models
def test_a_stored_text_names_its_models_and_the_api_answer_keeps_its_shape(app, client):
    response = client.post("/api/v1/text", data={"text": ESSAY})
    assert response.status_code == 200
    body = response.get_json()
    assert "models" not in body  # the API's documented answer is unchanged
    with app.app_context():
        stored = store().get(body["id"])
    names = _names_and_hashes(stored.scores["models"])
    assert names["personality.joblib"] == _hash16(MODELS_DIR / "text" / "personality.joblib")
    assert names["emotion.joblib"] == _hash16(MODELS_DIR / "text" / "emotion.joblib")
    assert read_result("text", stored.scores).models == stored.scores["models"]


def test_models_that_are_not_the_shipped_classes_name_no_file():
    cache = ModelCache({"personality": lambda _c: object(), "face_pipeline": lambda _c: object()})
    assert cache.ids(["personality", "face_pipeline"]) == []


def test_only_the_models_that_ran_are_named():
    silent = read_result("video", {"distribution": None, "timeline": []})
    assert models_used("video", silent) == ("face_pipeline",)
    spoken = read_result("video", {"distribution": None, "timeline": [], "voice": {"dominant": "sad"},
                                   "transcript": {"text": "hi"}, "words": {"dominant": "sad"}})
    assert models_used("video", spoken) == ("face_pipeline", "speech_emotion", "transcriber", "text_emotion",
                                            "personality")
    wordless = read_result("audio", {"duration_s": 1.0, "timeline": [], "dominant": "sad", "transcript": {"text": ""}})
    assert models_used("audio", wordless) == ("speech_emotion", "transcriber")
    assert models_used("text", read_result("text", {"traits": {}, "word_count": 60})) == ("personality",)


def test_a_video_and_a_recording_name_the_files_that_made_them(shared_loaders, tmp_path):
    import batch_files
    from library.batch.analyse import analyse_file

    cache = ModelCache(shared_loaders)
    video, = batch_files.videos(tmp_path / "v", 1, seconds=2.0)
    voice, = batch_files.speech(tmp_path / "a", 1)
    rows = {row["kind"]: row for row in (analyse_file(video, cache), analyse_file(voice, cache))}
    assert rows["video"]["ok"] and rows["audio"]["ok"]
    face = _names_and_hashes(read_result("video", rows["video"]["scores"]).models)
    assert face["expression.onnx"] == _hash16(MODELS_DIR / "video" / "expression.onnx")
    spoken = _names_and_hashes(read_result("audio", rows["audio"]["scores"]).models)
    assert spoken["speech_emotion_head.npz"] == _hash16(MODELS_DIR / "audio" / "speech_emotion_head.npz")
    assert set(WHISPER_MODELS[cache.get("speech_emotion").encoder.name].distributions) <= set(spoken)
    if rows["video"]["scores"].get("voice"):  # its sound track was read: the voice model is named too
        assert "speech_emotion_head.npz" in face


def test_an_interview_names_the_models_of_the_answers_it_combined():
    from library.interview.engine import report_scores
    from library.interview.reliability import load_reliability

    made = [{"name": "personality.joblib", "version": None, "sha256": "0123456789abcdef"}]
    words = read_result("text", {"traits": {"openness": 0.6, "conscientiousness": 0.5, "extraversion": 0.5,
                                            "agreeableness": 0.5, "neuroticism": 0.5}, "word_count": 80,
                                 "emotion": {"probabilities": {"happy": 0.7, "sad": 0.3}, "extra": {}},
                                 "models": made})
    result = report_scores({"video": "skipped", "audio": "skipped", "text": "t" * 32}, {"text": words},
                           load_reliability())
    assert result.models == made and result.to_dict()["models"] == made


@pytest.mark.real_models
def test_a_row_from_before_models_were_named_still_renders(app, client):
    from library.history.owners import owner_of

    response = client.post("/api/v1/text", data={"text": ESSAY})
    token = response.headers["X-ESAPR-Token"]
    with app.app_context():
        new = store().get(response.get_json()["id"])
        old_scores = {k: v for k, v in new.scores.items() if k != "models"}
        old = store().for_owner(owner_of(token)).add("text", read_result("text", old_scores))
        assert "models" not in store().get(old.id).scores
    for analysis_id in (new.id, old.id):
        page = client.get(f"/text/result/{analysis_id}")
        assert page.status_code == 200 and b"openness" in page.data.lower()
