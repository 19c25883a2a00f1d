"""Audio channel speed on ONE core: decode, features, model for a 15-s recording; prints, asserts nothing.

    .venv/bin/python benchmarks/audio.py [--repeats 20] [--format webm]

The recording: a sentence from espeak-ng (15 s, looped), encoded in memory as WebM/Opus at
48 kHz — what a browser's MediaRecorder sends (``--format wav`` for PCM). Without espeak-ng,
a synthetic vowel-like signal (harmonics of a gliding 120-220 Hz pitch with a syllable envelope).

Stages, medians over repeats:
  decode    bytes -> mono float32 at the file's rate (PyAV / soundfile, in memory)
  features  clipping, resampling to 16 kHz, voice activity, log-mel of the whole clip, segment plans
  model     one batched forward pass over every segment (whole clip + one per voiced second)
Target: the whole analysis of a 15-s clip in <= 0.3 s on one core (real-time factor <= 0.02).
The model is the shipped one when Models/audio/ has it, else an untrained net of the same shape.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import io  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import numpy as np  # noqa: E402

SECONDS = 15


def one_core() -> str:
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    return f"cpu {cpu}"


def speech_signal() -> tuple[np.ndarray, int, str]:
    exe = shutil.which("espeak-ng")
    if exe:
        import soundfile as sf

        text = ("Kids are talking by the door. I cannot believe what happened today, it was the best day "
                "of my whole life, and I want to tell everyone about it right now.")
        wav = subprocess.run([exe, "--stdout", "-s", "150", text], check=True, capture_output=True).stdout
        x, sr = sf.read(io.BytesIO(wav), dtype="float32")
        x = np.tile(x, int(np.ceil(SECONDS * sr / len(x))))[: SECONDS * sr]
        return x, sr, "espeak-ng speech"
    sr = 16000
    t = np.arange(SECONDS * sr) / sr
    f0 = 170 + 50 * np.sin(2 * np.pi * 0.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 20)) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t)) ** 2
    return (0.2 * x / np.abs(x).max()).astype(np.float32), sr, "synthetic vowel-like signal"


def encode(x: np.ndarray, sr: int, fmt: str) -> bytes:
    from media import av_bytes, sf_bytes  # tests/media.py: the encoders the audio tests use

    if fmt == "wav":
        return sf_bytes(x, sr, "WAV", "PCM_16")
    return av_bytes(x, sr, "webm", "libopus", 48000)  # what MediaRecorder makes


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--format", choices=["webm", "wav"], default="webm")
    a = ap.parse_args()
    where = one_core()

    t0 = time.perf_counter()
    from library.audio import SpeechEmotionModel, analyse_recording
    from library.audio import segments as S
    from library.audio.decode import decode_audio
    from library.audio.engine import DEFAULT_DIR, MODEL_FILE
    from library.audio.features import FeatureConfig, clipping_fraction, resample

    if (DEFAULT_DIR / MODEL_FILE).is_file():
        model, which = SpeechEmotionModel.load(), "shipped model"
    else:
        from library.audio.model import AudioModelConfig, build_model

        model, which = SpeechEmotionModel(build_model(AudioModelConfig()), FeatureConfig()), "untrained net (no shipped model)"
    load_s = time.perf_counter() - t0

    x, sr, source = speech_signal()
    data = encode(x, sr, a.format)
    print(f"{where}; {which} ({model.model.count_params():,} params), loaded in {load_s:.2f} s (imports included)")
    print(f"input: {SECONDS} s of {source}, {a.format} {len(data) / 1024:.0f} KiB")

    dec, feat, mod, total = [], [], [], []
    for i in range(a.repeats + 1):
        t0 = time.perf_counter()
        y, rate = decode_audio(data)
        t1 = time.perf_counter()
        clipping_fraction(y)
        z = resample(y, rate, 16000)
        p = model.prepare(z)
        xs, _ = S.clip_plan(p, model.features)
        times, xt = S.second_plan(p, model.features)
        t2 = time.perf_counter()
        model.forward(np.concatenate([xs, xt]))
        t3 = time.perf_counter()
        analyse_recording(data, model)
        t4 = time.perf_counter()
        if i:  # the first run warms up caches (filterbanks, allocator)
            dec.append(t1 - t0)
            feat.append(t2 - t1)
            mod.append(t3 - t2)
            total.append(t4 - t3)
    med = {k: statistics.median(v) * 1000 for k, v in (("decode", dec), ("features", feat), ("model", mod),
                                                       ("analyse_recording", total))}
    print(f"segments per clip: {len(xs)} whole-clip + {len(times)} per-second = {len(xs) + len(times)} "
          f"(x {model.features.windows} windows)")
    for k, v in med.items():
        print(f"{k:>18}: {v:7.1f} ms (median of {a.repeats})")
    print(f"real-time factor (analyse_recording / duration): {med['analyse_recording'] / 1000 / SECONDS:.4f}; "
          f"target: 15-s clip in <= 300 ms -> {'met' if med['analyse_recording'] <= 300 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
