"""Audio channel figures on ONE core: speed and memory of a 15-s answer, and the model's measured
cross-speaker accuracy (from its metadata); prints, asserts nothing.

    .venv/bin/python benchmarks/audio.py [--repeats 10] [--format webm]

The recording: a sentence from espeak-ng (15 s, looped), encoded in memory as WebM/Opus at 48 kHz
(what a browser's MediaRecorder sends; ``--format wav`` for PCM). Without espeak-ng, a synthetic
vowel-like signal.

Stages, medians over repeats:
  decode    bytes -> mono float32 at the file's rate (PyAV / soundfile, in memory)
  encoder   resampling, voice activity and the one Whisper-encoder pass (CTranslate2, int8)
  head      pooling the windows and the calibrated head (whole clip + one per voiced second)
  analyse_recording            the stored reading without words
  analyse_recording + words    the same with the transcript, decoded from the same encoder pass
Targets (Voice v3): a 15-s answer -> timeline + whole clip + transcript in <= 1.0 s; model load <= 2 s;
the loaded voice models add <= 400 MB to a worker.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
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
    return f"cpu {cpu}"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


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


def accuracy_figures(meta: dict) -> None:
    g = meta.get("grouped")
    if not g:
        print("no grouped validation figures in the model's metadata")
        return
    print(f"validation: {meta['validation']}")
    rows = [("all", g["all"])] + list(g["per_corpus"].items()) + list(g["per_sex"].items())
    print(f"{'clips':>10} {'n':>5} {'acc':>6} {'UAR':>6} {'ECE':>6}  most predicted")
    for name, s in rows:
        print(f"{name:>10} {s['n']:5d} {s['accuracy']:6.3f} {s['uar']:6.3f} {s['ece']:6.3f}  "
              f"{s['most_predicted']} {s['most_predicted_share']:.0%}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--format", choices=["webm", "wav"], default="webm")
    a = ap.parse_args()
    where = one_core()

    from library.audio import Transcriber, analyse_recording  # noqa: F401  (imports before the memory baseline)
    from library.audio.decode import decode_audio
    from library.audio.model import SpeechEmotionModel
    from library.audio.features import resample

    before = rss_mb()
    t0 = time.perf_counter()
    model = SpeechEmotionModel.load()
    transcriber = Transcriber.load(encoder=model.encoder)  # the app's: the voice model's own Whisper
    load_s = time.perf_counter() - t0
    x, sr, source = speech_signal()
    data = encode(x, sr, a.format)
    print(f"{where}; shipped model ({model.meta.get('encoder_name', 'tiny.en')}) and transcriber loaded in "
          f"{load_s:.2f} s")
    print(f"input: {SECONDS} s of {source}, {a.format} {len(data) / 1024:.0f} KiB")

    dec, enc, head, total, words = [], [], [], [], []
    for i in range(a.repeats + 1):
        t0 = time.perf_counter()
        y, rate = decode_audio(data)
        t1 = time.perf_counter()
        p = model.prepare(resample(y, rate, 16000))
        t2 = time.perf_counter()
        model.clip_proba(p)
        model.second_probas(p)
        t3 = time.perf_counter()
        analyse_recording(data, model)
        t4 = time.perf_counter()
        analyse_recording(data, model, transcriber=transcriber)
        t5 = time.perf_counter()
        if i:  # the first run warms up
            dec.append(t1 - t0)
            enc.append(t2 - t1)
            head.append(t3 - t2)
            total.append(t4 - t3)
            words.append(t5 - t4)
    med = {k: statistics.median(v) * 1000 for k, v in (("decode", dec), ("encoder", enc), ("head", head),
                                                       ("analyse_recording", total),
                                                       ("analyse_recording + words", words))}
    for k, v in med.items():
        print(f"{k:>18}: {v:7.1f} ms (median of {a.repeats})")
    added = rss_mb() - before
    spoken = med["analyse_recording + words"]
    print(f"timeline + whole clip + transcript of a {SECONDS}-s answer: {spoken:.0f} ms "
          f"(target <= 1000: {'met' if spoken <= 1000 else 'NOT met'}); "
          f"load {load_s:.2f} s (target <= 2: {'met' if load_s <= 2 else 'NOT met'}); "
          f"memory added by the voice models and their use {added:.0f} MB "
          f"(target <= 400: {'met' if added <= 400 else 'NOT met'})")
    accuracy_figures(model.meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
