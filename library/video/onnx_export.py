"""Export the expression model to ONNX, the file the app runs.

    python -m library.video.onnx_export [Models/video/expression.keras]

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

from library.video.expression import DEFAULT_PATH, ONNX_FILE, FacialExpressionModel


def export_onnx(keras_model, path: Path) -> Path:
    """Write ``keras_model`` as ONNX to ``path`` atomically and return it."""
    keras_model(np.zeros((2, 48, 48, 1), np.float32), training=False)  # export needs a called model
    tmp = path.with_name("tmp_" + path.name)
    with warnings.catch_warnings():
        # The torch tracer warns about every Python-level shape check in Keras' layers; the graph
        # has fixed 48x48 inputs, so they are constants indeed (outputs checked equal in tests).
        warnings.simplefilter("ignore")
        keras_model.export(str(tmp), format="onnx", verbose=False)
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", nargs="?", type=Path, default=DEFAULT_PATH, help="the .keras file")
    a = ap.parse_args(argv)
    keras_model = FacialExpressionModel.load_keras(a.model)
    out = export_onnx(keras_model, a.model.with_name(ONNX_FILE))
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
