"""Channel reliability read from model metadata, with the fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from library.interview.reliability import channel_reliability, load_reliability, reliability_scores
from library.paths import MODELS_DIR


def _models(tmp_path: Path, video=None, audio=None, text=None) -> Path:
    for name, meta in (("video/expression.json", video), ("audio/speech_emotion.json", audio),
                       ("text/emotion.json", text)):
        if meta is not None:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(json.dumps(meta))
    return tmp_path


VIDEO = {"val_acc": 0.834, "train_images": 1234}
AUDIO = {"val": {"accuracy": 0.47, "per_class": {
    "angry": {"recall": 0.9}, "disgust": {"recall": 0.15}, "fear": {"recall": 0.6}, "happy": {"recall": 0.35},
    "sad": {"recall": 0.5}, "surprise": {"recall": 0.7}, "neutral": {"recall": 0.8}}},
    "val_clips": 99, "speakers": [f"s{i}" for i in range(11)],
    "grouped": {"per_sex": {"male": {"accuracy": 0.55}, "female": {"accuracy": 0.41}}}}
TEXT = {"model": "m", "data": {"n_used": 4321}, "cv": {"m": {
    "accuracy": {"mean": 0.55}, "labels": ["a", "b", "c"],
    "confusion": [[10, 1, 9], [2, 10, 0], [8, 0, 10]]}}}


def test_scores_and_figures_come_from_the_metadata(tmp_path):
    rel = load_reliability(_models(tmp_path, VIDEO, AUDIO, TEXT))
    assert reliability_scores(rel) == {"video": 0.834, "audio": 0.47, "text": 0.55}
    video, audio, text = rel["video"], rel["audio"], rel["text"]
    assert video.source == f"{tmp_path.name}/video/expression.json"
    assert "1,234" in video.weaknesses[0] and "about 8 times in 10" in video.weaknesses[1]
    assert "83%" in video.measure
    assert "11 actors" in audio.weaknesses[0]
    assert "voices it had not learnt from" in audio.weaknesses[1] and "about 5 times in 10" in audio.weaknesses[1]
    assert "Reads men's voices better (55% against 41%)." in audio.weaknesses
    assert any("disgust (finds 15% of them) and happy (finds 35% of them)" in w for w in audio.weaknesses)
    assert "4,321" in text.weaknesses[0] and "about 6 times in 10" in text.weaknesses[1]
    assert any("mixes up a with c, and a with b" in w for w in text.weaknesses)  # 17, then 3
    json.dumps({c: r.to_dict() for c, r in rel.items()})


def test_missing_metadata_uses_the_fallback_then_reports_unknown(tmp_path):
    models = _models(tmp_path, video=VIDEO, audio={"history": []})  # audio without its final figure
    rel = load_reliability(models, fallback={"audio": 0.4})
    assert rel["audio"].score == 0.4 and rel["audio"].source == "fallback"
    assert rel["text"].score is None and rel["text"].source == "unavailable"
    assert rel["text"].weaknesses and not any(ch.isdigit() for w in rel["text"].weaknesses for ch in w)
    assert reliability_scores(rel) == {"video": 0.834, "audio": 0.4}
    with pytest.raises(ValueError):
        channel_reliability("audio", models, fallback={"audio": 4})
    with pytest.raises(ValueError, match="unknown channel"):
        channel_reliability("smell", models)


def test_shipped_models_are_read_at_call_time():
    rel = load_reliability()
    video = json.loads((MODELS_DIR / "video" / "expression.json").read_text())
    text = json.loads((MODELS_DIR / "text" / "emotion.json").read_text())
    assert rel["video"].score == pytest.approx(video["calibration"]["per_source"]["fer2013"]["accuracy"])
    assert rel["text"].score == pytest.approx(text["cv"][text["model"]]["accuracy"]["mean"])
    audio_meta = MODELS_DIR / "audio" / "speech_emotion.json"
    if audio_meta.is_file():  # written when the audio training run finishes
        assert rel["audio"].score == pytest.approx(json.loads(audio_meta.read_text())["val"]["accuracy"])


def test_every_shipped_model_gives_the_fusion_a_measured_figure():
    """A model retrained with a new metadata layout must not silently drop its channel from every interview
    (the faces v2 file once lacked the key the reader looked for: the face 'had no measured figure')."""
    from library.interview.reliability import load_reliability

    for channel, reliability in load_reliability().items():
        assert reliability.score is not None and 0.3 < reliability.score < 1, (channel, reliability.measure)
