"""Audio channel model: labels and split, the smoke training run, resume, and the shipped model's accuracy floor.

Needs the RAVDESS clips (``data_dir`` fixture: ESAPR_DATA_DIR or ../shared/data) and, for the
floor, the shipped model in Models/audio/; each test skips with the reason when absent.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from library.emotions import EMOTIONS
from library.paths import MODELS_DIR

SHIPPED = MODELS_DIR / "audio" / "speech_emotion.keras"
# Measured on actors 17-20 by the training run (Models/audio/speech_emotion.md) minus ~0.03.
VAL_ACCURACY_FLOOR = 0.57  # measured 0.6042 (seed 2 of the recipe: 0.567)


@pytest.fixture(scope="module")
def ravdess(data_dir):
    if not (data_dir / "ravdess").is_dir():
        pytest.skip(f"{data_dir / 'ravdess'} is absent (RAVDESS speech, see ../shared/data/README.md)")
    return data_dir


@pytest.fixture(scope="module")
def smoke_dir(ravdess, tmp_path_factory):
    from library.audio import train

    out = tmp_path_factory.mktemp("audio_smoke")
    assert train.main(["--smoke", "--data-dir", str(ravdess), "--out", str(out), "--threads", "1"]) == 0
    return out


def test_label_mapping_and_split(ravdess):
    from library.audio import data as D

    clips = D.list_clips(ravdess)
    assert len(clips) == 1200 and {c.actor for c in clips} == set(range(1, 21))
    counts = np.bincount([c.label for c in clips if c.actor == 1], minlength=7)
    assert counts[EMOTIONS.index("neutral")] == 12  # neutral + calm
    assert all(counts[i] == 8 for i in range(7) if EMOTIONS[i] != "neutral")
    c = D.parse_name(ravdess / "ravdess" / "Actor_17" / "03-01-07-02-01-01-17.flac")
    assert (c.actor, EMOTIONS[c.label], c.intensity) == (17, "disgust", 2)
    assert not set(D.TRAIN_ACTORS) & set(D.VAL_ACTORS)


def test_smoke_training_gives_loadable_model_and_card(smoke_dir, ravdess):
    from library.audio import SpeechEmotionModel
    from library.audio import data as D

    meta = json.loads((smoke_dir / "speech_emotion.json").read_text())
    assert meta["model_config"]["name"] == "lflb_lstm_tiny" and meta["epochs"] == 2
    assert (smoke_dir / "speech_emotion.md").is_file() and (smoke_dir / "speech_emotion_confusion.png").is_file()
    card = (smoke_dir / "speech_emotion.md").read_text()
    assert f"{meta['val']['accuracy']:.4f}" in card and "actors 17–20" in card
    model = SpeechEmotionModel.load(smoke_dir)
    clip = D.list_clips(ravdess, (17,))[0]
    wave = D.load_waves([clip])[0]
    p = model.predict_proba(wave, 16000)
    assert p.shape == (7,) and abs(p.sum() - 1) < 1e-6


def test_resume_continues_the_same_plan(ravdess, tmp_path):
    """1 epoch, stop, resume for the second == 2 epochs in one go: same epochs, optimizer step and
    (nearly) the same weights. Not bit-exact: after the resumed epoch the smoke net's weights differ
    by up to ~2e-3 from the uninterrupted run (cause not found; two fresh runs are bit-identical)."""
    from library.audio import train
    from library.audio.model import AudioModelConfig, build_model

    def run(out, *extra):
        assert train.main(["--smoke", "--no-baseline", "--data-dir", str(ravdess), "--out", str(out),
                           "--threads", "1", *extra]) == 0

    run(tmp_path / "a")
    run(tmp_path / "b", "--stop-after", "1")
    state_b1 = json.loads((tmp_path / "b" / "checkpoints" / "state.json").read_text())
    assert state_b1["epoch"] == 1 and not (tmp_path / "b" / "speech_emotion.keras").exists()
    run(tmp_path / "b", "--resume")

    def weights(d):
        state = json.loads((d / "checkpoints" / "state.json").read_text())
        m = build_model(AudioModelConfig.from_dict(state["config"]["model"]))
        m.load_weights(d / "checkpoints" / "last.weights.h5")
        with np.load(d / "checkpoints" / "optimizer.npz") as z:
            step = int(z["v0"])
        return state, m.get_weights(), step

    (sa, wa, step_a), (sb, wb, step_b) = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert sa["epoch"] == sb["epoch"] == 2 and step_a == step_b
    keys = ("loss", "acc", "val_loss", "val_acc")
    assert [sa["history"][0][k] for k in keys] == [sb["history"][0][k] for k in keys]  # epoch 1 identical
    for x, y in zip(wa, wb):
        np.testing.assert_allclose(x, y, atol=1e-2)
    assert (tmp_path / "b" / "speech_emotion.keras").is_file()


@pytest.mark.skipif(not SHIPPED.is_file(), reason=f"no shipped model at {SHIPPED} (train: python -m library.audio.train)")
def test_shipped_model_accuracy_floor_on_validation_actors(ravdess):
    """Whole-clip accuracy on actors 17-20 through the public API (predict_proba per clip)."""
    from library.audio import SpeechEmotionModel
    from library.audio import data as D

    model = SpeechEmotionModel.load()
    clips = D.list_clips(ravdess, D.VAL_ACTORS)
    waves = D.load_waves(clips)
    pred = np.array([int(np.argmax(model.predict_proba(w, 16000))) for w in waves])
    y = np.array([c.label for c in clips])
    acc = float((pred == y).mean())
    assert len(clips) == 240
    assert acc >= VAL_ACCURACY_FLOOR, f"val accuracy {acc:.4f} < floor {VAL_ACCURACY_FLOOR}"
    # the card's figure is the one measured here (same code path, same file)
    assert abs(acc - model.meta["val"]["accuracy"]) < 0.005
