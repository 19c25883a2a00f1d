"""Video channel face pipeline speed, on ONE core: prints figures, asserts nothing.

    python benchmarks/video.py [--frames 120] [--faces 400] [--fer-python /tmp/fer-venv/bin/python]

Frames: 640x480 JPEGs (quality 85) with one face, made from skimage's astronaut photo (top
512x384 scaled x1.25, so the face is 17% of the frame width like in the original), drifting a
few pixels from frame to frame so the tracker has real work to do.

Targets: >= 30 fps detecting every frame; >= 60 fps with tracking (detector every 5th frame).

Detection rate on small and tight faces (``--faces`` pictures of each, a fixed random sample):
RAF-DB's aligned 100x100 training pictures (tight crops) and FER2013's 48x48 val faces, as the
live path finds them (``find``: enlarged when under 120 px) and as a still picture is found
(``find(still=True)``: + the crop pass and dlib's CNN detector, library/video/faces.py), with the
share each pass found and the time a picture; "v1 settings" is the detector before issue 18 (no
enlarging, no still passes).

The expression model is the trained one when ``Models/video/`` has it; otherwise an untrained
net of the same architecture (library.video.train.network), which costs the same to run.
Figures are medians per frame (the machine may be shared; medians resist that noise).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402


def one_core() -> str:
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})
    cv2.setNumThreads(1)
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    return f"cpu {cpu}"


def make_frames(n: int) -> list[bytes]:
    from skimage import data

    base = cv2.resize(data.astronaut()[:384], (640, 480), interpolation=cv2.INTER_CUBIC)
    base = cv2.cvtColor(base, cv2.COLOR_RGB2BGR)
    frames = []
    for i in range(n):
        dx, dy = 8 * np.sin(i / 7), 5 * np.sin(i / 11)
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        img = cv2.warpAffine(base, m, (640, 480), borderMode=cv2.BORDER_REPLICATE)
        frames.append(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
    return frames


class _UntrainedStandIn:
    """Same architecture as the real model, random weights: for timing only."""

    def __init__(self):
        import library.keras_backend  # noqa: F401  (sets KERAS_BACKEND=torch)
        import torch
        from library.video.train.network import ModelConfig, build_model

        self.torch = torch
        self.net = build_model(ModelConfig())

    def predict_proba(self, faces):
        x = faces.astype("float32").reshape((len(faces),) + tuple(self.net.input_shape[1:]))
        with self.torch.inference_mode():
            return np.asarray(self.net(x, training=False).cpu())


def load_model():
    try:
        from library.video.model import FacialExpressionModel

        model = FacialExpressionModel.load()
        tta = "flip TTA" if model.flip_tta else "no TTA"
        return model, f"trained model (Models/video), run by {model.backend}, {tta}"
    except Exception as exc:  # noqa: BLE001 - any failure means "no trained model here yet"
        return _UntrainedStandIn(), f"untrained same-architecture stand-in ({type(exc).__name__}: {exc})"


def ms(values) -> float:
    return 1000 * statistics.median(values)


def stage_split(pipeline, frames, tracker=None) -> dict[str, float]:
    """Median ms per stage. Tracked: 'faces' is the tracker's update (mostly a landmark re-fit)."""
    from library.video.align import align_face
    from library.video.frames import decode_image

    names = ("decode", "faces (tracker)") if tracker else ("decode", "detect", "landmarks")
    t = {k: [] for k in names + ("align", "classify")}
    for raw in frames:
        t0 = time.perf_counter()
        gray = decode_image(raw)
        t1 = time.perf_counter()
        if tracker is None:
            boxes = pipeline.finder.detect(gray)
            t2 = time.perf_counter()
            pts = [pipeline.finder.landmarks(gray, b) for b, _ in boxes]
            t3 = time.perf_counter()
            t["detect"].append(t2 - t1)
            t["landmarks"].append(t3 - t2)
        else:
            pts = [f.landmarks for f in tracker.update(gray)]
            t3 = time.perf_counter()
            t["faces (tracker)"].append(t3 - t1)
        crops = np.stack([align_face(gray, p) for p in pts])
        t4 = time.perf_counter()
        pipeline.classify(crops, live=True)  # the live tier: what a live frame costs
        t5 = time.perf_counter()
        t["decode"].append(t1 - t0)
        t["align"].append(t4 - t3)
        t["classify"].append(t5 - t4)
    return {k: ms(v) for k, v in t.items()}


def end_to_end(pipeline, frames, tracker, repeats: int = 2) -> tuple[float, float]:
    """fps (from the median frame time) detecting every frame and tracked.

    The two modes alternate frame by frame so both see the same background load (the machine
    may be shared, and its load drifts over a run).
    """
    from library.video.faces import FaceTracker

    every, tracked = [], []
    detect_each = FaceTracker(pipeline.finder, detect_every=1)  # the live path, detecting every frame
    for _ in range(repeats):
        tracker.reset()
        for i, raw in enumerate(frames):
            for mode, times in ((detect_each, every), (tracker, tracked)):
                t0 = time.perf_counter()
                result = pipeline.analyse_jpeg(raw, t=i / 30, tracker=mode)
                times.append(time.perf_counter() - t0)
                assert len(result.faces) == 1, f"frame {i}: {len(result.faces)} faces"
    return 1 / statistics.median(every), 1 / statistics.median(tracked)


def wild_tier_cost(pipeline, frames, n: int = 60) -> None:
    """What a still's or a stored frame's face costs on the wild tier, beside the live tier (one face)."""
    from library.video.frames import decode_image

    rgb = decode_image(frames[0], gray=False)
    face = pipeline.analyse_image(rgb, still=False, accurate=False).main_face
    points = np.asarray(face.landmarks, dtype=np.float32)
    crop = pipeline.model.crop(rgb, points)[None]
    times = {"crop (align_face_wild)": [], "wild tier (flip averaged)": [], "live tier (flip averaged)": []}
    from library.video.align import align_face

    crop48 = align_face(pipeline.finder.to_gray(rgb), points)[None]
    for _ in range(n):
        t0 = time.perf_counter()
        pipeline.model.crop(rgb, points)
        t1 = time.perf_counter()
        pipeline.model.predict_proba(crop)
        t2 = time.perf_counter()
        pipeline.model.predict_proba_live(crop48)
        t3 = time.perf_counter()
        times["crop (align_face_wild)"].append(t1 - t0)
        times["wild tier (flip averaged)"].append(t2 - t1)
        times["live tier (flip averaged)"].append(t3 - t2)
    report("\nper-face median ms, the two tiers:", {k: ms(v) for k, v in times.items()})


def report(title: str, stages: dict[str, float]) -> None:
    print(title)
    for k, v in stages.items():
        print(f"  {k:16s} {v:6.2f}")
    if "classify" not in stages:  # a table of costs side by side (the two tiers), not the stages of one frame
        return
    face_ms = sum(v for k, v in stages.items() if k != "classify")
    print(f"  {'= without classify':16s} {face_ms:6.2f} ms -> {1000 / face_ms:5.0f} fps; "
          f"with classify {1000 / (face_ms + stages['classify']):5.1f} fps")


FER_SCRIPT = r"""
import json, os, sys, time, statistics
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
import tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
import cv2, numpy as np
cv2.setNumThreads(1)
from fer.fer import FER  # fer 25.x no longer re-exports FER from the package
folder = sys.argv[1]
frames = [open(os.path.join(folder, f), "rb").read() for f in sorted(os.listdir(folder))]
det = FER(mtcnn=False)
img = cv2.imdecode(np.frombuffer(frames[0], np.uint8), cv2.IMREAD_COLOR)
det.detect_emotions(img)  # warm-up
times, found = [], 0
for raw in frames:
    t0 = time.perf_counter()
    img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    found += len(det.detect_emotions(img)) == 1
    times.append(time.perf_counter() - t0)
print(json.dumps({"fps_median": 1 / statistics.median(times), "frames_with_one_face": found,
                  "frames": len(frames), "face_box_example": [int(v) for v in det.find_faces(img)[0]]
                  if len(det.find_faces(img)) else None}))
"""


def run_fer(python: str, frames: list[bytes]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        for i, raw in enumerate(frames):
            Path(folder, f"{i:04d}.jpg").write_bytes(raw)
        out = subprocess.run([python, "-c", FER_SCRIPT, folder], capture_output=True, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                                  # TensorFlow segfaults on this CPU above AVX2 (docs/decisions.md)
                                  "ONEDNN_MAX_CPU_ISA": "AVX2", "KERAS_BACKEND": "tensorflow"})
    if out.returncode:
        return {"error": out.stderr[-800:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def detection_rates(n: int, data_dir: Path) -> None:
    """Share of small/tight face pictures where a face is found, per detector setting."""
    import csv

    from library.video.faces import DetectorConfig, FaceFinder

    rng = np.random.default_rng(18)
    sets = {}
    labels = data_dir / "rafdb" / "train_labels.csv"
    if labels.is_file():
        with open(labels, newline="") as f:
            files = [r["file"] for r in csv.DictReader(f)]
        sets["RAF-DB train, 100x100 tight"] = [
            cv2.imread(str(data_dir / "rafdb" / "train" / files[i]), cv2.IMREAD_GRAYSCALE)
            for i in rng.choice(len(files), min(n, len(files)), replace=False)]
    fer = data_dir / "fer2013" / "val.npz"
    if fer.is_file():
        with np.load(fer) as z:
            sets["FER2013 val, 48x48"] = list(z["images"][rng.choice(len(z["images"]), n, replace=False)])
    if not sets:
        print(f"\ndetection rates: no RAF-DB or FER2013 under {data_dir}")
        return
    v1 = FaceFinder(DetectorConfig(min_detect_side=1, crop_side=0, cnn_fallback=False))
    now = FaceFinder()
    print(f"\ndetection rate on small/tight faces ({n} pictures each, fixed sample):")
    for name, pictures in sets.items():
        for label, finder, still in (("v1 settings", v1, False), ("live (find)", now, False),
                                     ("still (find, still=True)", now, True)):
            t0 = time.perf_counter()
            passes = [finder.find_pass(g, still=still)[1] for g in pictures]
            ms_each = 1000 * (time.perf_counter() - t0) / len(pictures)
            found = np.mean([p != "" for p in passes])
            split = ", ".join(f"{k} {passes.count(k) / len(passes):.3f}" for k in ("hog", "crop", "cnn") if k in passes)
            print(f"  {name:28s} {label:26s} found {found:.3f} ({split}); {ms_each:5.1f} ms a picture")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--detect-every", type=int, default=5)
    ap.add_argument("--fer-python", help="python of a separate venv with the `fer` package")
    ap.add_argument("--faces", type=int, default=400, help="pictures per set for the detection rates (0: skip)")
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args()

    core = one_core()
    from library.video.pipeline import FacePipeline, PipelineConfig

    frames = make_frames(args.frames)
    model, model_name = load_model()
    pipeline = FacePipeline(model, PipelineConfig(detect_every=args.detect_every))
    pipeline.analyse_jpeg(frames[0])  # warm-up (first model call, lazy inits)
    print(f"one core ({core}), load average {os.getloadavg()[0]:.2f}; {len(frames)} frames 640x480 "
          f"JPEG ~{statistics.mean(map(len, frames)) / 1024:.0f} KB; model: {model_name}")

    report("\nper-frame median ms, detector every frame:", stage_split(pipeline, frames))
    report(f"per-frame median ms, tracked (detector every {args.detect_every} frames):",
           stage_split(pipeline, frames, pipeline.tracker()))

    tracker = pipeline.tracker()
    every, tracked = end_to_end(pipeline, frames, tracker)
    print(f"\nend to end (analyse_jpeg, modes interleaved): detect every frame {every:6.1f} fps "
          f"(target >= 30); tracked {tracked:6.1f} fps (target >= 60); detector ran on "
          f"{tracker.detections} of {2 * len(frames)} tracked frames")

    if getattr(model, "has_wild", False):
        wild_tier_cost(pipeline, frames)

    if args.faces:
        from library.paths import default_data_dir

        detection_rates(args.faces, args.data_dir or default_data_dir())

    if args.fer_python:
        fer = run_fer(args.fer_python, frames)
        print(f"\nfer package (Haar cascade + mini-Xception, TFLite), same frames, one core: {fer}")


if __name__ == "__main__":
    main()
