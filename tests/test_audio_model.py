"""Voice model: the corpora and their speakers, the smoke training run, calibration helpers, and the
shipped model's measured cross-speaker figures.

Needs the four speech corpora (``data_dir`` fixture: ESAPR_DATA_DIR or ../shared/data) and, for
the shipped-model checks, Models/audio/; each test skips with the reason when absent.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from library.emotions import EMOTIONS
from library.paths import MODELS_DIR

SHIPPED = MODELS_DIR / "audio" / "speech_emotion_head.npz"


@pytest.fixture(scope="module")
def corpora(data_dir):
    missing = [c for c in ("ravdess", "savee", "emodb", "tess") if not (data_dir / c).is_dir()]
    if missing:
        pytest.skip(f"speech corpora absent under {data_dir}: {', '.join(missing)} (see ../shared/data/README.md)")
    return data_dir


def test_corpora_labels_speakers_and_sexes(corpora):
    from library.audio.train.corpora import list_clips

    clips = list_clips(corpora)
    by_corpus = Counter(c.corpus for c in clips)
    assert by_corpus == {"ravdess": 1200, "savee": 360, "emodb": 350, "tess": 937}  # EmoDB boredom left out
    speakers = {c.speaker: c.sex for c in clips}
    assert len(speakers) == 33
    assert speakers["ravdess:01"] == "male" and speakers["ravdess:02"] == "female"
    assert speakers["emodb:03"] == "male" and speakers["emodb:08"] == "female"
    assert speakers["savee:DC"] == "male" and speakers["tess:OAF"] == "female"
    rav01 = Counter(EMOTIONS[c.label] for c in clips if c.speaker == "ravdess:01")
    assert rav01["neutral"] == 12 and rav01["sad"] == 8  # calm merged into neutral
    assert not any(c.corpus == "emodb" and EMOTIONS[c.label] == "surprise" for c in clips)
    tess = Counter(EMOTIONS[c.label] for c in clips if c.corpus == "tess")
    assert set(tess) == set(EMOTIONS)  # pleasant surprise -> surprise


def test_speaker_folds_never_split_a_voice():
    from library.audio.train.evaluate import speaker_folds

    speakers = [f"s{i % 9}" for i in range(90)]
    folds = speaker_folds(speakers, 3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(90))  # every clip validated once
    for val in folds:
        inside = {speakers[i] for i in val}
        outside = {speakers[i] for i in set(range(90)) - set(val.tolist())}
        assert not inside & outside


def test_temperature_and_ece_fix_an_overconfident_model():
    from library.audio.head import softmax
    from library.audio.train.evaluate import ece, fit_temperature

    rng = np.random.default_rng(0)
    y = rng.integers(0, 7, 4000)
    logits = rng.normal(0, 1, (4000, 7))
    logits[np.arange(4000), y] += 1.0  # right about half the time ...
    sharp = logits * 4  # ... but sure of itself
    t = fit_temperature(sharp, y)
    assert 3 < t < 5
    assert ece(softmax(sharp), y) > 0.2 and ece(softmax(sharp / t), y) < 0.03


def test_abstain_threshold_marks_where_accuracy_falls():
    from library.audio.train.evaluate import abstain_threshold

    rng = np.random.default_rng(1)
    conf = rng.uniform(0.15, 0.95, 5000)
    y = np.zeros(5000, int)
    right = rng.uniform(size=5000) < conf  # calibrated: right as often as it says
    proba = np.full((5000, 7), 0.0)
    proba[:, 0] = np.where(right, conf, 0)
    proba[:, 1] = np.where(right, 0, conf)
    proba[:, 2:] = ((1 - conf) / 5)[:, None]
    assert 0.35 <= abstain_threshold(proba, y) <= 0.45


def test_augmentations_keep_length_and_speech(corpora):
    from library.audio.train.augment import CONDITIONS, augment
    from library.audio.train.prepare import read_clip
    from library.audio.train.corpora import list_clips

    x = read_clip(list_clips(corpora, ("savee",))[0])
    rng = np.random.default_rng(0)
    for condition in CONDITIONS:
        y = augment(x, rng, condition)
        assert y.shape == x.shape and y.dtype == np.float32 and np.all(np.abs(y) <= 1)
        assert np.std(y) > 1e-4, condition  # still a signal
    # the codec keeps the waveform in place (no shift), so voice masks line up
    from library.audio.train.augment import opus_roundtrip

    assert np.corrcoef(x, opus_roundtrip(x, 32_000))[0, 1] > 0.9


@pytest.mark.slow  # a training's smoke run
def test_smoke_training_gives_loadable_model_and_card(corpora, tmp_path):
    from library.audio import SpeechEmotionModel
    from library.audio.train.__main__ import main
    from library.audio.train.prepare import read_clip
    from library.audio.train.corpora import list_clips

    out = tmp_path / "model"
    main(["--smoke", "--data-dir", str(corpora), "--out", str(out), "--cache", str(tmp_path / "cache"),
          "--threads", "1"])
    meta = json.loads((out / "speech_emotion.json").read_text())
    assert meta["smoke"] and meta["clips"] == 60 and len(meta["grouped"]["per_corpus"]) == 4
    assert set(meta["grouped"]["per_sex"]) == {"male", "female"}
    assert 0.25 <= meta["temperature"] <= 8 and 0 <= meta["abstain_below"] < 1
    card = (out / "speech_emotion.md").read_text()
    assert f"{meta['val']['accuracy']:.3f}" in card and "grouped 3-fold over speakers" in card
    assert (out / "speech_emotion_confusion.png").is_file()
    hparams = json.loads((out / "speech_emotion_hparams.json").read_text())  # the values used, beside the model
    assert hparams["folds"] == 3 and hparams["encoder"] == meta["encoder_name"] == "base"
    model = SpeechEmotionModel.load(out)
    p = model.predict_proba(read_clip(list_clips(corpora, ("emodb",))[0]), 16000)
    assert p.shape == (7,) and abs(p.sum() - 1) < 1e-6
    # a rerun finds the cache and encodes nothing again
    before = {f: f.stat().st_mtime_ns for f in (tmp_path / "cache").rglob("*.npz")}
    main(["--smoke", "--data-dir", str(corpora), "--out", str(out), "--cache", str(tmp_path / "cache"),
          "--threads", "1"])
    assert before == {f: f.stat().st_mtime_ns for f in (tmp_path / "cache").rglob("*.npz")}


@pytest.mark.skipif(not SHIPPED.is_file(), reason=f"no shipped model at {SHIPPED} (train: python -m library.audio.train)")
def test_shipped_model_card_figures_meet_the_floors():
    """The training run's out-of-fold (by speaker) figures, as the card and the dashboard state them."""
    meta = json.loads((MODELS_DIR / "audio" / "speech_emotion.json").read_text())
    g = meta["grouped"]
    assert meta["validation"].startswith("grouped") and len(meta["speakers"]) == 33
    # floors a few points under what the shipped recipe measured (0.725, 0.823, 0.725, 0.684; gap 0.027)
    assert g["per_corpus"]["ravdess"]["accuracy"] >= 0.69
    assert g["per_corpus"]["emodb"]["accuracy"] >= 0.77
    assert g["per_corpus"]["savee"]["accuracy"] >= 0.66
    assert g["per_corpus"]["tess"]["accuracy"] >= 0.63
    assert abs(g["per_sex"]["male"]["accuracy"] - g["per_sex"]["female"]["accuracy"]) <= 0.05
    assert g["all"]["ece"] <= 0.04
    assert all(v["most_predicted_share"] <= 0.40 for v in g["per_corpus"].values())
    # the classes v2 missed on new voices (sad 0.43, happy 0.54): 0.572 and 0.593 now
    assert all(g["all"]["per_class"][e]["recall"] >= 0.55 for e in ("sad", "happy", "fear"))
    card = (MODELS_DIR / "audio" / "speech_emotion.md").read_text()
    assert f"{g['all']['accuracy']:.3f}" in card


@pytest.mark.skipif(not SHIPPED.is_file(), reason=f"no shipped model at {SHIPPED}")
def test_shipped_model_reads_unseen_style_of_speech_without_collapsing(corpora):
    """Through the public API, every corpus's clips spread over the classes (the old model read a
    new corpus as one emotion): no class takes more than half of a balanced sample."""
    from library.audio import SpeechEmotionModel
    from library.audio.train.corpora import list_clips
    from library.audio.train.prepare import read_clip

    model = SpeechEmotionModel.load()
    for corpus in ("savee", "emodb"):
        clips = list_clips(corpora, (corpus,))
        sample = [c for label in sorted({c.label for c in clips}) for c in [x for x in clips if x.label == label][:3]]
        pred = [int(np.argmax(model.predict_proba(read_clip(c), 16000))) for c in sample]
        assert max(Counter(pred).values()) <= len(sample) / 2, (corpus, Counter(pred))
