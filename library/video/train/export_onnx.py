"""Export the expression model to ONNX, the file the app runs.

    python -m library.video.train.export_onnx [Models/video/expression.keras]

Why: Keras on torch runs a 48x48 face in ~29 ms on one core, almost all of it
per-layer Python overhead; the same graph in ONNX Runtime takes ~2 ms with
identical outputs (max |diff| 6e-8), which is what lets the live page keep up
(docs/decisions.md). The .keras file stays the source of truth (training,
Grad-CAM); the .onnx beside it is derived from it by this module.
Needs ``onnx`` and ``onnxscript`` (training tools, requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import os
import warnings
from pathlib import Path

import numpy as np

from library.video.model import CAM_FILE, DEFAULT_DIR, ONNX_FILE
from library.video.train.network import KERAS_FILE, LAST_CONV, load_keras


def export_onnx(keras_model, path: Path) -> Path:
    """Write ``keras_model`` as ONNX to ``path`` atomically and return it.

    The graph has two outputs: the probabilities, and the last convolution's activations. With the
    dense layer's weights (``expression_cam.npz`` beside it) they give Grad-CAM without torch: after
    global average pooling and one dense layer, Grad-CAM's channel weights are the dense weights of
    the class divided by the map's area, so the map is CAM (library/video/model.py).
    """
    from library.keras_backend import keras

    keras_model(np.zeros((2, 48, 48, 1), np.float32), training=False)  # export needs a called model
    both = keras.Model(keras_model.inputs, [keras_model.outputs[0], keras_model.get_layer(LAST_CONV).output])
    both(np.zeros((2, 48, 48, 1), np.float32), training=False)
    tmp = path.with_name("tmp_" + path.name)
    with warnings.catch_warnings():
        # The torch tracer warns about every Python-level shape check in Keras' layers; the graph
        # has fixed 48x48 inputs, so they are constants indeed (outputs checked equal in tests).
        warnings.simplefilter("ignore")
        both.export(str(tmp), format="onnx", verbose=False)
    dense = keras_model.get_layer("probs")
    cam_tmp = path.with_name("tmp_" + CAM_FILE)
    with open(cam_tmp, "wb") as f:
        np.savez(f, kernel=np.asarray(dense.kernel.numpy(), np.float32), bias=np.asarray(dense.bias.numpy(), np.float32))
    os.replace(cam_tmp, path.with_name(CAM_FILE))
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", type=Path, default=DEFAULT_DIR / KERAS_FILE, help="the .keras file")
    a = ap.parse_args(argv)
    keras_model = load_keras(a.model)
    out = export_onnx(keras_model, a.model.with_name(ONNX_FILE))
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
