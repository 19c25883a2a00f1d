"""The wild model's data: RAF-DB, ExpW and FER2013 as 112-px aligned colour crops, with their splits.

    python -m library.video.train.wild_data [--data-dir D] [--cache checkpoints/video-v3]

Every picture goes through the step the app runs after detection: dlib's 68 landmarks fitted in a face box,
then ``align_face_wild``. The box is not detected here but the source's nominal one (measured once with dlib
HOG on 400 pictures of each source: the median box, as fractions of the picture), because each source is
already a crop around one face: ExpW keeps 40% of the annotated box as margin on every side, RAF-DB and
FER2013 are tight crops. So training also sees the faces the detector finds hardest; which faces the app
finds is measured separately, end to end (``wild_evaluate``).

Splits (fixed seeds, drawn before any training, never tuned on):
- ExpW: by source photo (a photo's faces stay together), 20% of photos held out;
- RAF-DB: the v2 held-out fifth per class (``prepare.held_out``), so v2 and v3 are compared on the same faces;
- FER2013: ``Training`` (cleaned as v2) for training, ``PublicTest`` held out.
Each held-out part is cut again in two halves (by photo for ExpW): ``calib`` fits the temperature and the
"unclear" threshold, ``report`` gives the card's figures, so no reported figure was tuned on.
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

import cv2
import numpy as np

from library.paths import PROJECT_ROOT, default_data_dir
from library.training import log
from library.video.align import WILD_SIZE, align_face_wild
from library.video.faces import FaceFinder
from library.video.train.data import clean_train, load_split
from library.video.train.prepare import held_out, read_labels

SOURCES = ("fer2013", "rafdb", "expw")
SPLITS = ("train", "calib", "report")
SPLIT_SEED = 20261203
EXPW_HELD_OUT = 0.2
DEFAULT_CACHE = PROJECT_ROOT / "checkpoints" / "video-v3"
CACHE_FILE = "wild_crops.npz"
# Nominal face boxes (x0, y0, x1, y1) as fractions of the picture: the median dlib HOG box on 400 pictures
# (RAF-DB: HOG boxes on its tight crops spill over the edges, so the box was set by looking at the crops).
NOMINAL_BOX = {"expw": (0.254, 0.309, 0.742, 0.797), "rafdb": (0.12, 0.22, 0.88, 0.98),
               "fer2013": (0.07, 0.164, 0.914, 0.984)}
# The landmark model misplaces points on very small faces; pictures are enlarged to this shorter side first,
# as FaceFinder.find_pass does.
MIN_SIDE = 120

# ExpW's search words -> the population and age groups the card reports (the only such hint in our data).
GROUP_WORDS = {
    "asian": {"chinese", "asian", "yang"},
    "african": {"african", "black"},
    "child": {"infant", "boy", "girl", "son"},
    "older": {"grandfather", "grandmother", "old"},
}


def query_group(query: str) -> str:
    """'angry_chinese' -> 'asian'; 'sad_by_the_movie_grandfather' -> 'older'; anything else -> 'other'."""
    word = query.lower().rsplit("_", 1)[-1]
    return next((g for g, words in GROUP_WORDS.items() if word in words), "other")


def expw_photo(file: str) -> str:
    """'afraid_couple_455_0.jpg' -> 'afraid_couple_455': the faces of one photo share it."""
    return re.sub(r"_\d+\.jpg$", "", file)


def crop_in_box(finder: FaceFinder, img: np.ndarray, box_fraction: tuple[float, float, float, float]) -> np.ndarray:
    """Landmarks fitted in the nominal box, then the wild crop (112x112, the picture's channels)."""
    h, w = img.shape[:2]
    k = max(1.0, MIN_SIDE / min(h, w))
    if k > 1.0:
        img = cv2.resize(img, (round(w * k), round(h * k)), interpolation=cv2.INTER_CUBIC)
        h, w = img.shape[:2]
    x0, y0, x1, y1 = box_fraction
    box = (round(x0 * w), round(y0 * h), round((x1 - x0) * w), round((y1 - y0) * h))
    gray = finder.to_gray(img)
    return align_face_wild(img, finder.landmarks(gray, box))


def _halves(keys: list[str], seed: int) -> dict[str, str]:
    """Each distinct key -> 'calib' or 'report', half and half, with a fixed seed."""
    distinct = sorted(set(keys))
    order = np.random.default_rng(seed).permutation(len(distinct))
    return {distinct[i]: ("calib" if rank % 2 == 0 else "report") for rank, i in enumerate(order)}


def expw_split(data_dir: Path) -> tuple[list[dict], dict[str, str]]:
    """ExpW's rows (file, label, query) and each source photo's split: 'train', 'calib' or 'report'."""
    with open(data_dir / "expw" / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    photos = sorted({expw_photo(r["file"]) for r in rows})
    order = np.random.default_rng(SPLIT_SEED).permutation(len(photos))
    out = {photos[i] for i in order[: round(EXPW_HELD_OUT * len(photos))]}
    halves = _halves(sorted(out), SPLIT_SEED + 1)
    return rows, {p: halves.get(p, "train") for p in photos}


def _rgb(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"unreadable picture: {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _records(data_dir: Path, limit: int | None) -> list[dict]:
    """One record per picture: source, file, label, split, group (no pixels yet)."""
    records = []
    files, labels = read_labels(data_dir)
    mask = held_out(labels)
    halves = _halves([f for f, m in zip(files, mask) if m], SPLIT_SEED)
    for f, y, m in zip(files, labels, mask):
        records.append({"source": "rafdb", "file": f, "label": int(y), "group": "other",
                        "split": halves[f] if m else "train"})
    rows, split = expw_split(data_dir)
    for r in rows:
        records.append({"source": "expw", "file": r["file"], "label": int(r["label"]),
                        "group": query_group(r["query"]), "split": split[expw_photo(r["file"])]})
    if limit:  # smoke runs: a few of each source and split
        rng = np.random.default_rng(0)
        records = [records[i] for i in sorted(rng.permutation(len(records))[:limit])]
    return records


def build(data_dir: str | Path | None = None, limit: int | None = None) -> dict[str, np.ndarray]:
    """All crops and their metadata as arrays (see the module docstring)."""
    data_dir = Path(data_dir or default_data_dir())
    finder = FaceFinder()
    records = _records(data_dir, limit)
    crops = [crop_in_box(finder, _rgb(data_dir / r["source"] / ("train" if r["source"] == "rafdb" else "images")
                                      / r["file"]), NOMINAL_BOX[r["source"]]) for r in records]
    fer_train, fer_train_y = load_split(data_dir, "train")
    fer_val, fer_val_y = load_split(data_dir, "val")
    fer_train, fer_train_y, _ = clean_train(fer_train, fer_train_y, fer_val)
    if limit:
        fer_train, fer_train_y = fer_train[: limit // 2], fer_train_y[: limit // 2]
        fer_val, fer_val_y = fer_val[: limit // 2], fer_val_y[: limit // 2]
    fer_halves = _halves([str(i) for i in range(len(fer_val))], SPLIT_SEED + 2)
    for images, ys, split in ((fer_train, fer_train_y, None), (fer_val, fer_val_y, "held")):
        for i, (g, y) in enumerate(zip(images, ys)):
            crop = crop_in_box(finder, g, NOMINAL_BOX["fer2013"])
            crops.append(np.repeat(crop[:, :, None], 3, axis=2))
            records.append({"source": "fer2013", "file": f"{'val' if split else 'train'}:{i}", "label": int(y),
                            "group": "other", "split": fer_halves[str(i)] if split else "train"})
    return {
        "images": np.stack(crops).astype(np.uint8),
        "labels": np.array([r["label"] for r in records], dtype=np.int64),
        "source": np.array([r["source"] for r in records]),
        "split": np.array([r["split"] for r in records]),
        "group": np.array([r["group"] for r in records]),
        "files": np.array([r["file"] for r in records]),
    }


def load_or_build(data_dir: str | Path | None = None, cache: str | Path = DEFAULT_CACHE,
                  limit: int | None = None) -> dict[str, np.ndarray]:
    """The cached crops (built once; about 3 minutes on one core for the full sets)."""
    path = Path(cache) / (f"wild_crops_smoke{limit}.npz" if limit else CACHE_FILE)
    if path.is_file():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    t0 = time.time()
    data = build(data_dir, limit)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    log(f"wild crops: {len(data['labels'])} pictures in {time.time() - t0:.0f} s -> {path}")
    return data


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--cache", default=str(DEFAULT_CACHE))
    parser.add_argument("--limit", type=int, default=None, help="smoke run: this many pictures")
    args = parser.parse_args(argv)
    data = load_or_build(args.data_dir, args.cache, args.limit)
    for s in SOURCES:
        for sp in SPLITS:
            n = int(((data["source"] == s) & (data["split"] == sp)).sum())
            log(f"{s:8s} {sp:7s} {n}")
    assert data["images"].shape[1:] == (WILD_SIZE, WILD_SIZE, 3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
