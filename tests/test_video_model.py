"""Tests of the video channel's expression model: training pipeline, API, Grad-CAM, accuracy.

The smoke training needs the FER2013 and RAF-DB files (ESAPR_DATA_DIR or ../shared/data); the
accuracy floor needs the shipped model in Models/video/. Each skips with the reason when absent.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from library.emotions import EMOTIONS
from library.paths import MODELS_DIR, PROJECT_ROOT, default_data_dir

DATA_DIR = default_data_dir()
HAVE_DATA = ((DATA_DIR / "fer2013" / "train.npz").is_file() and (DATA_DIR / "fer2013" / "val.npz").is_file()
             and (DATA_DIR / "rafdb" / "train_labels.csv").is_file())
SHIPPED = MODELS_DIR / "video" / "expression.onnx"  # what the app runs
# Floor for the shipped model on FER2013 val (flip TTA, calibrated): what the shipped file measured
# (Models/video/expression.md: v2 0.6679; v1 0.6709) less 0.02, rounded down.
VAL_ACCURACY_FLOOR = 0.65

needs_data = pytest.mark.skipif(not HAVE_DATA, reason=f"FER2013/RAF-DB data not found under {DATA_DIR} "
                                                    "(set ESAPR_DATA_DIR)")


@pytest.fixture(scope="module")
def smoke_cache(tmp_path_factory):
    """RAF-DB's smoke subset, detected and aligned once for every smoke run of this module."""
    return tmp_path_factory.mktemp("video_smoke_cache")


@pytest.fixture(scope="module")
def val_data():
    from library.video.train.data import load_split

    return load_split(DATA_DIR, "val")


@pytest.fixture(scope="module")
def smoke_dir(tmp_path_factory, smoke_cache):
    if not HAVE_DATA:
        pytest.skip(f"FER2013/RAF-DB data not found under {DATA_DIR}")
    from library.video.train import run as train

    out = tmp_path_factory.mktemp("video_smoke")
    assert train.main(["--smoke", "--data-dir", str(DATA_DIR), "--out", str(out), "--cache", str(smoke_cache)]) == 0
    return out


@pytest.fixture(scope="module")
def smoke_model(smoke_dir):
    from library.video import FacialExpressionModel

    return FacialExpressionModel.load(smoke_dir)


def test_import_is_light():
    code = "import sys, library.video; assert 'keras' not in sys.modules and 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True)


def test_public_names():
    from library.video import EMOTIONS as E, FacialExpressionModel

    assert E == EMOTIONS and FacialExpressionModel.classes_ == EMOTIONS


@pytest.mark.slow  # a training's smoke run
@needs_data
def test_smoke_training_gives_loadable_model(smoke_dir, smoke_model, val_data):
    assert (smoke_dir / "expression.keras").is_file()
    meta = json.loads((smoke_dir / "expression.json").read_text())
    assert meta["params"] > 0 and meta["model_config"]["name"] == "xception_fer_tiny"
    state = json.loads((smoke_dir / "checkpoints" / "state.json").read_text())
    assert state["epoch"] == 2 and len(state["history"]) == 2
    for rec in state["history"]:  # both sources drawn, both validated, the declared score kept
        assert min(rec["drawn_per_source"]) > 0
        assert rec["selection"] == pytest.approx((rec["val_acc_fer2013"] + rec["val_acc_rafdb"]) / 2)
    raf = state["data_stats"]["rafdb"]
    assert raf["pictures"] == 48 and 0 < raf["found"] <= 48
    assert sum(raf["found_by"].values()) == raf["found"]
    p = smoke_model.predict_proba(val_data[0][:32])
    assert p.shape == (32, len(EMOTIONS))
    assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1.0, atol=1e-6)
    assert smoke_model.predict(val_data[0][:3]).tolist()[0] in EMOTIONS


@needs_data
def test_onnx_copy_scores_like_the_keras_model(smoke_dir, smoke_model, val_data):
    from library.video.train.keras_model import KerasExpressionModel

    assert (smoke_dir / "expression.onnx").is_file()  # written by training beside the .keras
    assert smoke_model.backend == "onnxruntime"
    keras_only = KerasExpressionModel.load(smoke_dir)
    assert keras_only.backend == "keras"
    faces = val_data[0][:64]
    np.testing.assert_allclose(smoke_model.predict_proba(faces), keras_only.predict_proba(faces), atol=1e-5)


@needs_data
def test_grad_cam_on_the_onnx_graph_equals_keras_autograd(smoke_dir, smoke_model, val_data):
    """Serving computes Grad-CAM from the ONNX copy (no torch); it must be the training framework's map."""
    from library.video.train.keras_model import KerasExpressionModel

    keras_only = KerasExpressionModel.load(smoke_dir)
    for face in val_data[0][:5]:
        for c in (None, 3):
            np.testing.assert_allclose(smoke_model.grad_cam(face, c), keras_only.grad_cam(face, c), atol=1e-4)


@needs_data
def test_serving_loads_from_the_runtime_files_alone(smoke_dir, tmp_path, val_data):
    """The app ships expression.onnx, expression_cam.npz and expression.json: no .keras file needed."""
    import shutil

    from library.video import FacialExpressionModel

    for name in ("expression.onnx", "expression_cam.npz", "expression.json"):
        shutil.copy(smoke_dir / name, tmp_path / name)
    alone, full = FacialExpressionModel.load(tmp_path), FacialExpressionModel.load(smoke_dir)
    faces = val_data[0][:8]
    np.testing.assert_array_equal(alone.predict_proba(faces), full.predict_proba(faces))
    np.testing.assert_array_equal(alone.grad_cam(faces[0]), full.grad_cam(faces[0]))
    assert alone.meta == full.meta and "temperature" in alone.meta
    (tmp_path / "expression_cam.npz").unlink()  # an export without the dense weights: scores, no Grad-CAM
    with pytest.raises(RuntimeError, match="export_onnx"):
        FacialExpressionModel.load(tmp_path).grad_cam(faces[0])


def test_shipped_keras_files_load_and_agree_with_their_onnx_copies():
    """The shipped .keras files name the custom batch norm by its registered name ("esapr>TorchBatchNorm"),
    not by the module that held it; they must load (v1 is the warm start of training) and score and map
    faces as the ONNX copies the app runs."""
    from library.video import FacialExpressionModel
    from library.video.train.keras_model import KerasExpressionModel

    folders = [d for d in (MODELS_DIR / "video", MODELS_DIR / "video" / "v1") if (d / "expression.keras").is_file()]
    if not folders:
        pytest.skip("no shipped .keras file")
    faces = np.random.default_rng(0).integers(0, 256, (6, 48, 48), dtype=np.uint8)
    for folder in folders:
        reference, served = KerasExpressionModel.load(folder), FacialExpressionModel.load(folder)
        np.testing.assert_allclose(reference.predict_proba(faces), served.predict_proba(faces), atol=1e-5)
        np.testing.assert_allclose(reference.grad_cam(faces[0]), served.grad_cam(faces[0]), atol=1e-4)


def test_serving_a_face_and_its_grad_cam_needs_neither_torch_nor_keras():
    import subprocess
    import sys

    from library.paths import PROJECT_ROOT

    if not (SHIPPED.with_name("expression_cam.npz")).is_file():
        pytest.skip("no shipped ONNX export with its Grad-CAM weights")
    code = ("import sys, numpy as np; from library.video import FacialExpressionModel; "
            "m = FacialExpressionModel.load(); f = np.full((48, 48), 120, np.uint8); "
            "m.predict_proba(f[None]); assert m.grad_cam(f).shape == (48, 48); "
            "bad = [x for x in ('torch', 'keras') if x in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, timeout=120)


@needs_data
def test_resume_is_exact(tmp_path, smoke_cache):
    """2 epochs in one go == 1 epoch, stop, resume for the 2nd (weights and optimizer step)."""
    from library.video.train import run as train
    from library.video.train.network import ModelConfig, build_model

    def run(out, *extra):
        assert train.main(["--smoke", "--data-dir", str(DATA_DIR), "--out", str(out), "--cache", str(smoke_cache),
                           *extra]) == 0

    run(tmp_path / "a")  # the smoke plan: 2 epochs
    run(tmp_path / "b", "--stop-after", "1")
    run(tmp_path / "b", "--resume")

    def weights(d):
        cfg = ModelConfig.from_dict(json.loads((d / "checkpoints" / "state.json").read_text())["config"]["model"])
        m = build_model(cfg)
        m.load_weights(d / "checkpoints" / "last.weights.h5")
        return m.get_weights()

    wa, wb = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert len(wa) == len(wb)
    for a, b in zip(wa, wb):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    sa = json.loads((tmp_path / "a" / "checkpoints" / "state.json").read_text())
    sb = json.loads((tmp_path / "b" / "checkpoints" / "state.json").read_text())
    for key in ("val_acc_fer2013", "val_acc_rafdb", "drawn_per_source"):
        assert [h[key] for h in sa["history"]] == [h[key] for h in sb["history"]]
    assert [h["loss"] for h in sa["history"]] == pytest.approx([h["loss"] for h in sb["history"]], rel=1e-5)


@needs_data
def test_calibration_is_written_and_applied(smoke_dir, smoke_model, val_data):
    """Training ends by fitting a temperature and an abstention threshold; the model applies both."""
    meta = json.loads((smoke_dir / "expression.json").read_text())
    t, threshold = meta["temperature"], meta["abstain_below"]
    assert t > 0 and 0.0 <= threshold <= 1.0
    assert smoke_model.temperature == t and smoke_model.abstain_below == threshold
    cal = meta["calibration"]
    assert set(cal["per_source"]) == {"fer2013", "rafdb"}
    for figures in cal["per_source"].values():
        assert 0 <= figures["ece"] <= 1 and 0 <= figures["ece_before"] <= 1
    faces = val_data[0][:16]
    calibrated = smoke_model.predict_proba(faces)
    smoke_model.temperature = 1.0
    try:
        raw = smoke_model.predict_proba(faces)
    finally:
        smoke_model.temperature = t
    expected = raw ** (1 / t)
    np.testing.assert_allclose(calibrated, expected / expected.sum(axis=1, keepdims=True), atol=1e-6)
    confident = [smoke_model.is_confident(p) for p in calibrated]
    assert confident == [bool(p.max() >= threshold) for p in calibrated]


def test_epoch_draw_balances_sources_and_classes():
    from library.video.train.sources import draw_weights, epoch_draw

    labels = np.array([3] * 900 + [1] * 100 + [3] * 50 + [0] * 50)
    source = np.array([0] * 1000 + [1] * 100)
    w = draw_weights(labels, source, {"fer2013": 0.5, "rafdb": 0.5}, class_power=0.5)
    assert w.sum() == pytest.approx(1.0)
    assert w[source == 0].sum() == pytest.approx(0.5) and w[source == 1].sum() == pytest.approx(0.5)
    # inside a source, a class's share goes as count^(1 - power): sqrt(900) : sqrt(100) = 3 : 1
    assert w[:900].sum() / w[900:1000].sum() == pytest.approx(3.0)
    a, b = epoch_draw(w, 2000, seed=1, epoch=4), epoch_draw(w, 2000, seed=1, epoch=4)
    assert np.array_equal(a, b) and not np.array_equal(a, epoch_draw(w, 2000, seed=1, epoch=5))
    assert 0.45 < np.mean(source[a] == 1) < 0.55  # the small source gets its half


def test_rafdb_held_out_fifth_is_fixed_and_per_class():
    from library.video.train.prepare import held_out

    labels = np.repeat(np.arange(7), [705, 717, 281, 4772, 1982, 1290, 2524])
    mask = held_out(labels)
    assert np.array_equal(mask, held_out(labels))
    for c in range(7):
        assert abs(mask[labels == c].mean() - 0.2) < 0.002


@needs_data
def test_input_shapes_and_dtypes(smoke_model, val_data):
    faces = val_data[0][:4]
    ref = smoke_model.predict_proba(faces)
    assert smoke_model.predict_proba(faces[0]).shape == (1, 7)  # single (48,48) face
    np.testing.assert_allclose(smoke_model.predict_proba(faces[..., None]), ref, atol=1e-6)  # (N,48,48,1)
    np.testing.assert_allclose(smoke_model.predict_proba(faces / 255.0), ref, atol=1e-4)  # floats 0..1
    np.testing.assert_allclose(smoke_model.predict_proba(faces.astype(np.float32)), ref, atol=1e-5)  # floats 0..255
    assert smoke_model.predict_proba(np.zeros((0, 48, 48), np.uint8)).shape == (0, 7)


@needs_data
@pytest.mark.parametrize("bad", [
    np.zeros((48, 47), np.uint8),
    np.zeros((2, 48, 48, 3), np.uint8),  # colour
    np.zeros((2, 2, 48, 48), np.uint8),
    np.zeros(7),
    np.array([["a"]]),
    np.full((48, 48), np.nan),
    np.full((48, 48), 300, np.int32),
])
def test_bad_input_raises_value_error(smoke_model, bad):
    with pytest.raises(ValueError):
        smoke_model.predict_proba(bad)


@needs_data
def test_grad_cam(smoke_model, val_data):
    face = val_data[0][0]
    cam = smoke_model.grad_cam(face)
    assert cam.shape == (48, 48) and np.all(np.isfinite(cam))
    assert cam.min() >= 0.0 and cam.max() <= 1.0
    cam3 = smoke_model.grad_cam(face, class_index=3)
    assert cam3.shape == (48, 48) and cam3.min() >= 0.0 and cam3.max() <= 1.0
    with pytest.raises(ValueError):
        smoke_model.grad_cam(face, class_index=7)
    with pytest.raises(ValueError):
        smoke_model.grad_cam(val_data[0][:2])


def test_augment_batch_keeps_shape_and_range():
    import torch

    from library.video.train.data import AugmentConfig, augment_batch

    x = torch.rand(16, 1, 48, 48) * 255
    g = torch.Generator().manual_seed(0)
    y = augment_batch(x, AugmentConfig(), g)
    assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 255
    y2 = augment_batch(x, AugmentConfig(), torch.Generator().manual_seed(0))
    assert torch.equal(y, y2)  # same generator state -> same draws (exact resume)


def test_clean_train_drops_blank_duplicates_and_val_overlap():
    from library.video.train.data import clean_train

    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (6, 48, 48), dtype=np.uint8)
    imgs[1] = imgs[0]  # duplicate, same label -> kept once
    imgs[3] = imgs[2]  # duplicate, conflicting label -> both dropped
    imgs[4] = 128  # blank
    labels = np.array([0, 0, 1, 2, 3, 4])
    val = imgs[5:6].copy()  # also in val -> dropped
    x, y, stats = clean_train(imgs, labels, val)
    assert len(x) == 1 and y.tolist() == [0]
    assert stats["near_blank"] == 1 and stats["label_conflicts"] == 2 and stats["in_val"] == 1


@pytest.mark.slow  # a whole validation set
@pytest.mark.skipif(not SHIPPED.is_file(), reason=f"no shipped model at {SHIPPED} (train: python -m library.video.train)")
@needs_data
def test_shipped_model_accuracy_floor(val_data):
    from library.video import FacialExpressionModel

    model = FacialExpressionModel.load()
    assert model.backend == "onnxruntime"  # what the app runs
    x, y = val_data
    acc = float((model.predict_proba(x).argmax(axis=1) == y).mean())
    assert acc >= VAL_ACCURACY_FLOOR, f"val accuracy {acc:.4f} < floor {VAL_ACCURACY_FLOOR}"


def test_torch_batch_norm_matches_keras_batch_norm():
    """The fused-kernel BN must compute what Keras' BatchNormalization computes."""
    import torch

    from library.keras_backend import TorchBatchNorm, keras

    x = np.random.default_rng(0).normal(1.0, 3.0, (8, 5, 6, 6)).astype("float32")
    fast, ref = TorchBatchNorm(axis=1), keras.layers.BatchNormalization(axis=1)
    for layer in (fast, ref):
        layer.build(x.shape)
        layer.gamma.assign(np.linspace(0.5, 1.5, 5))
        layer.beta.assign(np.linspace(-1.0, 1.0, 5))
    xt = torch.tensor(x, requires_grad=True)
    ya, yb = fast(xt, training=True), ref(xt, training=True)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), atol=1e-5)
    (ga,) = torch.autograd.grad((ya**2).sum(), xt)
    (gb,) = torch.autograd.grad((yb**2).sum(), xt)
    np.testing.assert_allclose(ga.numpy(), gb.numpy(), atol=1e-4)
    np.testing.assert_allclose(fast.moving_mean.numpy(), ref.moving_mean.numpy(), atol=1e-6)
    # torch updates the running variance with the unbiased batch variance (n/(n-1), n=288)
    np.testing.assert_allclose(fast.moving_variance.numpy(), ref.moving_variance.numpy(), rtol=1e-3)


RAF_DIR = DATA_DIR / "rafdb"
# Floor for the shipped model on 20 held-out RAF-DB pictures a class (fixed sample), faces found by the
# app's still-picture step, flip TTA: what the shipped file measured on this sample less 0.05, rounded down.
# v2 measured 0.7154 (88 right of the 123 faces found in the 140 pictures; v1: 0.5285), so 0.66.
RAF_SAMPLE_FLOOR = 0.66


@pytest.mark.skipif(not SHIPPED.is_file(), reason=f"no shipped model at {SHIPPED}")
@pytest.mark.skipif(not (RAF_DIR / "train_labels.csv").is_file(), reason=f"RAF-DB not found under {RAF_DIR}")
def test_shipped_model_reads_held_out_wild_faces():
    """Held-out RAF-DB pictures through the app's own face step (detect, landmarks, align), as an upload."""
    import cv2

    from library.video import FacialExpressionModel
    from library.video.faces import FaceFinder
    from library.video.train.prepare import face_crop, held_out, read_labels

    files, labels = read_labels(DATA_DIR)
    rng = np.random.default_rng(18)
    pick = np.concatenate([rng.choice(np.flatnonzero(held_out(labels) & (labels == c)), 20, replace=False)
                           for c in range(len(EMOTIONS))])
    finder, crops, ys = FaceFinder(), [], []
    for i in pick:
        crop, _ = face_crop(finder, cv2.imread(str(RAF_DIR / "train" / files[i]), cv2.IMREAD_GRAYSCALE))
        if crop is not None:
            crops.append(crop)
            ys.append(labels[i])
    assert len(crops) >= 0.8 * len(pick), f"faces found in only {len(crops)} of {len(pick)} pictures"
    model = FacialExpressionModel.load()
    acc = float((model.predict_proba(np.stack(crops)).argmax(axis=1) == np.array(ys)).mean())
    assert acc >= RAF_SAMPLE_FLOOR, f"accuracy {acc:.4f} on {len(crops)} held-out RAF-DB faces < {RAF_SAMPLE_FLOOR}"
