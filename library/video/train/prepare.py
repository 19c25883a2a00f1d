"""RAF-DB faces through the project's own face step, cached as 48x48 crops.

    python -m library.video.train.prepare [--data-dir D] [--cache checkpoints/video-v2]

Each aligned 100x100 RAF-DB picture goes through ``FaceFinder.find(still=True)`` (dlib HOG, the
crop pass, then dlib's CNN detector) and ``align_face``: exactly what an uploaded photo meets, so
the model trains on the framing it will be shown. RAF-DB's own alignment is not used.

A picture where no face is found is recorded (file, label) and left out of training; in the
held-out fifth it counts as wrong in the end-to-end figure. Its raw picture is NOT resized into
the set instead: that would teach a framing the app never produces.

The held-out fifth is drawn per class with a fixed seed over all 12,271 files, before detection.
RAF-DB's labels in our copy carry no identity, so the split cannot be made by person: the same
person may appear on both sides (RAF-DB's faces come from many different web images, so this is
probably rare, but it cannot be measured here).
The cache is keyed by the detector settings; nothing under it goes into git.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import time
from pathlib import Path

import cv2
import numpy as np

from library.emotions import EMOTIONS
from library.paths import PROJECT_ROOT, default_data_dir
from library.training import log
from library.video.align import align_face
from library.video.faces import DetectorConfig, FaceFinder

SPLIT_SEED = 20261129
VAL_FRACTION = 0.2
DEFAULT_CACHE = PROJECT_ROOT / "checkpoints" / "video-v2"


def read_labels(data_dir: Path) -> tuple[list[str], np.ndarray]:
    path = Path(data_dir) / "rafdb" / "train_labels.csv"
    if not path.is_file():
        raise FileNotFoundError(f"RAF-DB labels not found: {path}")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["file"] for r in rows], np.array([int(r["label"]) for r in rows], dtype=np.int64)


def held_out(labels: np.ndarray, fraction: float = VAL_FRACTION, seed: int = SPLIT_SEED) -> np.ndarray:
    """Boolean mask of the held-out part: ``fraction`` of each class, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for c in range(len(EMOTIONS)):
        idx = np.flatnonzero(labels == c)
        mask[rng.permutation(idx)[: round(fraction * len(idx))]] = True
    return mask


def cache_path(cache_dir: Path, config: DetectorConfig) -> Path:
    key = hashlib.sha1(json.dumps(dataclasses.asdict(config), sort_keys=True).encode()).hexdigest()[:10]
    return Path(cache_dir) / f"rafdb_faces_{key}.npz"


def face_crop(finder: FaceFinder, gray: np.ndarray) -> tuple[np.ndarray | None, str]:
    """The aligned 48x48 crop of the largest face found as a still picture, and the pass that found it."""
    faces, how = finder.find_pass(gray, still=True)  # exactly as FacePipeline.analyse_still finds them
    return (align_face(gray, faces[0].landmarks), how) if faces else (None, "")


def prepare(data_dir: Path, cache_dir: Path = DEFAULT_CACHE, config: DetectorConfig | None = None,
            limit: int | None = None) -> Path:
    """Detect and align every RAF-DB training picture (or ``limit`` spread over them); returns the cache file."""
    config = config or DetectorConfig()
    out = cache_path(cache_dir, config) if limit is None else Path(cache_dir) / f"rafdb_faces_spread{limit}.npz"
    if out.is_file():
        return out
    files, labels = read_labels(data_dir)
    val = held_out(labels)
    if limit:  # spread over the file, which is ordered by class
        pick = np.linspace(0, len(files) - 1, limit).astype(int)
        files, labels, val = [files[i] for i in pick], labels[pick], val[pick]
    finder = FaceFinder(config)
    crops = np.zeros((len(files), 48, 48), np.uint8)
    how = np.array([""] * len(files), dtype="<U4")
    t0 = time.perf_counter()
    for i, name in enumerate(files):
        gray = cv2.imread(str(Path(data_dir) / "rafdb" / "train" / name), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise OSError(f"cannot read {name}")
        crop, how[i] = face_crop(finder, gray)
        if crop is not None:
            crops[i] = crop
        if (i + 1) % 1000 == 0:
            log(f"rafdb {i + 1}/{len(files)}: found {np.mean(how[: i + 1] != ''):.3f} "
                f"({(time.perf_counter() - t0) / (i + 1) * 1000:.0f} ms a picture)")
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("tmp_" + out.name)
    with open(tmp, "wb") as f:
        np.savez(f, images=crops, labels=labels, files=np.array(files), found_by=how, held_out=val,
                 config=json.dumps(dataclasses.asdict(config)), seconds=time.perf_counter() - t0)
    tmp.replace(out)
    found = how != ""
    log(f"rafdb: {found.sum()} of {len(files)} faces found ({found.mean():.3f}; "
        + ", ".join(f"{k} {np.sum(how == k)}" for k in ("hog", "crop", "cnn"))
        + f") in {time.perf_counter() - t0:.0f} s -> {out}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--limit", type=int, default=None)
    a = ap.parse_args(argv)
    print(prepare(a.data_dir or default_data_dir(), a.cache, limit=a.limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
