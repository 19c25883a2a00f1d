"""Grad-CAM asked for by many live frames at once while the warm-up thread loads the Keras model.

torch's first import is not thread-safe: two threads importing it together both fail on a
half-initialised module, and every later import in that process fails too (the served app then
answered every live frame with 500). Run in a fresh interpreter, where torch is not imported yet.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from library.paths import MODELS_DIR, PROJECT_ROOT

CODE = """
import threading, numpy as np
from library.video.expression import FacialExpressionModel
model = FacialExpressionModel.load()
assert "torch" not in __import__("sys").modules, "torch was imported before the race"
face = np.random.default_rng(0).integers(0, 255, (48, 48), dtype=np.uint8)
errors, start = [], threading.Barrier(9)
def cam():
    start.wait()
    try:
        assert model.grad_cam(face).shape == (48, 48)
    except Exception as exc:
        errors.append(repr(exc)[:200])
def warm():
    start.wait()
    try:
        model.model
    except Exception as exc:
        errors.append(repr(exc)[:200])
threads = [threading.Thread(target=cam) for _ in range(8)] + [threading.Thread(target=warm)]
[t.start() for t in threads]
[t.join() for t in threads]
assert not errors, errors
"""


@pytest.mark.skipif(not (MODELS_DIR / "video" / "expression.onnx").is_file(), reason="no shipped face model")
def test_concurrent_first_grad_cams_all_succeed():
    run = subprocess.run([sys.executable, "-c", CODE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
