"""Readings do not depend on the process that computes them: with torch imported first and every thread
variable at 2 (as a pytest process after the training tests, or a machine with more cores), a voice, a face
and a text read exactly as in a plain process, and every BLAS/OpenMP library ends pinned to one thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

READ = r"""
import json, sys
if sys.argv[1] == "torch":
    import torch  # brings its own OpenMP runtime, as the training tests do in a pytest process
    torch.set_num_threads(2)
import numpy as np
import soundfile as sf
from threadpoolctl import threadpool_info
from library.registry import ModelCache
sys.path.insert(0, "tests")
from media import interview_frame
cache = ModelCache()
voice = cache.get("speech_emotion")
signal, sr = sf.read(sys.argv[2], dtype="float32")
face = cache.get("face_pipeline").analyse_image(interview_frame()).main_face
text = cache.get("text_emotion").predict_proba(["I keep worrying that I forgot something important at home."])
print(json.dumps({
    "voice": voice.predict_proba(signal, sr).tolist(),
    "voice_timeline": [[t, p.tolist()] for t, p in voice.timeline(signal, sr)],
    "face": face.probabilities,
    "text": np.asarray(text).tolist(),
    "threads": sorted({lib["num_threads"] for lib in threadpool_info()}),
}))
"""


def _read(mode: str, threads: str, wav: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
           "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", READ, mode, str(wav)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_readings_are_identical_whatever_the_process_threads(tmp_path):
    pytest.importorskip("torch")
    from speech import spoken_wav

    wav = spoken_wav(tmp_path / "answer.wav", "We waited for hours and nobody told us anything, it was awful.", repeat=3)
    plain = _read("plain", "1", wav)
    wide = _read("torch", "2", wav)
    assert wide["threads"] == plain["threads"] == [1]  # every BLAS and OpenMP library pinned
    for key in ("voice", "voice_timeline", "face", "text"):
        assert wide[key] == plain[key], key  # bit for bit, not within a tolerance
