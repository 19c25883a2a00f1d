"""Grad-CAM asked for by many live frames at once, in a fresh server process.

It used to load the Keras model on first use, and torch's first import is not thread-safe: two
threads importing it together both failed on a half-initialised module, and every later import in
that process failed too (the served app then answered every live frame with 500). Serving now
computes Grad-CAM on the ONNX graph and never imports torch or Keras: checked here under the same
race, in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from library.paths import MODELS_DIR, PROJECT_ROOT

pytestmark = pytest.mark.slow  # a process whose threads all ask the face model for Grad-CAM at once

CODE = """
import sys, threading, numpy as np
from library.video.model import FacialExpressionModel
model = FacialExpressionModel.load()
face = np.random.default_rng(0).integers(0, 255, (48, 48), dtype=np.uint8)
errors, maps, start = [], [], threading.Barrier(8)
def cam():
    start.wait()
    try:
        maps.append(model.grad_cam(face))
    except Exception as exc:
        errors.append(repr(exc)[:200])
threads = [threading.Thread(target=cam) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
assert not errors, errors
assert all(m.shape == (48, 48) and np.array_equal(m, maps[0]) for m in maps)
loaded = [m for m in ("torch", "keras") if m in sys.modules]
assert not loaded, loaded
"""


@pytest.mark.skipif(not (MODELS_DIR / "video" / "expression_cam.npz").is_file(), reason="no shipped face model")
def test_concurrent_first_grad_cams_all_succeed_without_torch():
    run = subprocess.run([sys.executable, "-c", CODE], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
