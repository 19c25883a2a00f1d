"""Calibrate the exported wild tier on the ``calib`` halves, then measure it on the ``report`` halves.

    python -m library.video.train.wild_evaluate [--model-dir Models/video] [--end-to-end 500]

1. Calibration (``calib`` halves of all three sources, crops in the nominal box): flip averaging is kept if it
   does not lower accuracy there; one temperature by log-likelihood; the "unclear" threshold by the voice
   model's rule (the lowest confidence from which every 0.05-wide bin is right at least 40% of the time).
2. Figures (``report`` halves, never used for any choice): the model on the aligned crops, and end to end
   through the app's own step (``FaceFinder.find_pass(still=True)``, as ``FacePipeline.analyse_image`` reads a
   picture: a face not found counts as wrong), for the wild tier and, on the same found faces, the live tier
   (the 48-px v2 model). Per source, class, ExpW population/age group and sex hint, and ExpW face size.
Written into ``expression_wild.json`` beside the model (``wild_card`` turns it into the card).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from library.audio.train.evaluate import abstain_threshold, ece, fit_temperature
from library.paths import MODELS_DIR, default_data_dir
from library.training import atomic_write_text, classification_metrics, log
from library.video.align import align_face
from library.video.faces import FaceFinder
from library.video.model import WILD_HPARAMS_FILE, WILD_META_FILE, FacialExpressionModel
from library.video.train.data import load_split
from library.video.train.wild_data import DEFAULT_CACHE, load_or_build

ABSTAIN_FLOOR = 0.4
# ExpW's search words that name a sex (the only such hint in our data; the labels are the annotators').
SEX_WORDS = {"female": {"woman", "girl", "lady", "wife", "mother", "grandmother"},
             "male": {"man", "boy", "husband", "father", "grandfather", "son"}}
SIZE_BUCKETS = ((0, 60), (60, 75), (75, 10_000))  # ExpW face width in px (the picture's shorter side / 1.8)


def figures(p: np.ndarray, y: np.ndarray, threshold: float, found: np.ndarray | None = None) -> dict:
    """Accuracy, F1, per class, ECE and abstention; with ``found``: the end-to-end share (missed = wrong)."""
    m = classification_metrics(p, y)
    confident = p.max(axis=1) >= threshold if len(p) else np.zeros(0, bool)
    out = {"n": int(len(y)), "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"],
           "macro_f1": m["macro_f1"], "ece": ece(p, y), "per_class": m["per_class"], "confusion": m["confusion"],
           "answered": float(confident.mean()) if len(p) else 0.0,
           "accuracy_answered": float((p.argmax(1) == y)[confident].mean()) if confident.any() else None}
    if found is not None:
        out["pictures"] = int(len(found))
        out["found"] = float(found.mean())
        out["end_to_end"] = float((p.argmax(1) == y).sum() / len(found))
    return out


def _sex(query: str) -> str:
    word = query.lower().rsplit("_", 1)[-1]
    return next((s for s, words in SEX_WORDS.items() if word in words), "")


def calibrate(model: FacialExpressionModel, data: dict, live_weight: float) -> dict:
    """Flip and temperature of the wild network alone, then (with ``live_weight`` > 0) the temperature of its
    average with the live tier, and the "unclear" threshold of what is served."""
    calib = np.flatnonzero(data["split"] == "calib")
    x, y = data["images"][calib], data["labels"][calib]
    model.wild_temperature, model.live_weight, model.ensemble_temperature = 1.0, 0.0, 1.0
    accuracy = {}
    for flip in (False, True):
        model.wild_flip_tta = flip
        accuracy[flip] = float((model.predict_proba(x).argmax(1) == y).mean())
    model.wild_flip_tta = accuracy[True] >= accuracy[False]
    raw = model.predict_proba(x)
    t = fit_temperature(np.log(np.clip(raw, 1e-12, None)), y)
    model.wild_temperature = t
    model.live_weight = live_weight
    mixed = model.predict_proba(x)
    t_mix = fit_temperature(np.log(np.clip(mixed, 1e-12, None)), y) if live_weight > 0 else 1.0
    model.ensemble_temperature = t_mix
    p = model.predict_proba(x)
    threshold = abstain_threshold(p, y, floor=ABSTAIN_FLOOR)
    log(f"calibration: flip {model.wild_flip_tta} ({accuracy}), T {t:.3f}, live weight {live_weight}, "
        f"T of the average {t_mix:.3f}; ECE {ece(mixed, y):.4f} -> {ece(p, y):.4f}, unclear below {threshold}; "
        f"calib accuracy {float((p.argmax(1) == y).mean()):.4f}")
    return {"flip_tta": model.wild_flip_tta, "temperature": round(t, 4), "live_weight": live_weight,
            "ensemble_temperature": round(t_mix, 4), "abstain_below": threshold, "calib_pictures": int(len(y)),
            "calib_accuracy_flip": accuracy, "calib_accuracy": float((p.argmax(1) == y).mean()),
            "calib_ece_before": ece(mixed, y), "calib_ece_after": ece(p, y)}


def _pictures(data_dir: Path, data: dict, idx: np.ndarray) -> list[np.ndarray]:
    """The original pictures (RGB; FER2013 gray) of the report rows ``idx``."""
    fer_val = None
    out = []
    for i in idx:
        source, file = str(data["source"][i]), str(data["files"][i])
        if source == "fer2013":
            if fer_val is None:
                fer_val = load_split(data_dir, "val")[0]
            out.append(fer_val[int(file.split(":")[1])])
        else:
            folder = data_dir / source / ("train" if source == "rafdb" else "images")
            out.append(cv2.cvtColor(cv2.imread(str(folder / file)), cv2.COLOR_BGR2RGB))
    return out


def find_faces(pictures: list[np.ndarray]) -> dict:
    """The main face of each picture found as a still (the app's passes): found, pass, box width, landmarks."""
    finder = FaceFinder()
    found, how, widths, landmarks = [], [], [], []
    for img in pictures:
        faces, passed = finder.find_pass(img, still=True)
        found.append(bool(faces))
        how.append(passed)
        widths.append(faces[0].box[2] if faces else 0)
        landmarks.append(faces[0].landmarks if faces else np.zeros((68, 2), np.float32))
    return {"found": np.array(found), "how": np.array(how), "width": np.array(widths),
            "landmarks": np.array(landmarks, dtype=np.float32)}


def cached_faces(cache: Path | None, key: str, pictures: list[np.ndarray]) -> dict:
    """``find_faces``, kept in ``cache`` (detection does not depend on the model: it can run while training)."""
    path = cache / f"report_faces_{key}.npz" if cache else None
    if path is not None and path.is_file():
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    faces = find_faces(pictures)
    if path is not None:
        np.savez(path, **faces)
    return faces


def end_to_end(model: FacialExpressionModel, pictures: list[np.ndarray], faces: dict) -> dict:
    """Read each found face as served (the wild tier), with the wild network alone and with the live tier alone."""
    wild, live, alone = [], [], []
    for img, found, points in zip(pictures, faces["found"], faces["landmarks"]):
        if not found:
            continue
        gray = FaceFinder.to_gray(img)
        picture = img if img.ndim == 3 else np.repeat(img[:, :, None], 3, axis=2)
        crop = model.crop(picture, points)[None]
        wild.append(model.predict_proba(crop)[0])
        weight, model.live_weight = model.live_weight, 0.0
        alone.append(model.predict_proba(crop)[0])
        model.live_weight = weight
        live.append(model.predict_proba_live(align_face(gray, points)[None])[0])
    empty = np.zeros((0, 7))
    return {**faces, "wild": np.array(wild) if wild else empty, "live": np.array(live) if live else empty,
            "alone": np.array(alone) if alone else empty}


def report_pictures(data: dict, source: str, n: int, seed: int = 0) -> np.ndarray:
    rows = np.flatnonzero((data["split"] == "report") & (data["source"] == source))
    return np.sort(np.random.default_rng(seed).permutation(rows)[:n])


def evaluate(model_dir: Path, data_dir: Path, data: dict, n_end_to_end: int, cache: Path | None = None,
             live_weight: float = 0.5) -> dict:
    model = FacialExpressionModel.load(model_dir)
    report = {"calibration": calibrate(model, data, live_weight), "sources": {}}
    threshold = report["calibration"]["abstain_below"]
    live_threshold = model.abstain_below
    for source in ("rafdb", "expw", "fer2013"):
        rows = np.flatnonzero((data["split"] == "report") & (data["source"] == source))
        y = data["labels"][rows]
        entry = {"aligned_crops": figures(model.predict_proba(data["images"][rows]), y, threshold)}
        pick = report_pictures(data, source, n_end_to_end)
        pictures = _pictures(data_dir, data, pick)
        t0 = time.time()
        e2e = end_to_end(model, pictures, cached_faces(cache, f"{source}_{len(pick)}_{len(data['labels'])}", pictures))
        yp, found = data["labels"][pick], e2e["found"]
        entry["seconds_per_picture_reading"] = (time.time() - t0) / max(1, len(pick))
        entry["found_by"] = {k: int((e2e["how"] == k).sum()) for k in ("hog", "crop", "enlarged", "cnn", "")}
        entry["end_to_end"] = figures(e2e["wild"], yp[found], threshold, found)
        entry["end_to_end_live_tier"] = figures(e2e["live"], yp[found], live_threshold, found)
        entry["end_to_end_wild_network_alone"] = figures(e2e["alone"], yp[found], threshold, found)
        if source == "expw":
            entry["groups"], entry["sex"], entry["face_size"] = {}, {}, {}
            groups = data["group"][pick]
            sexes = np.array([_sex(str(f).rsplit("_", 2)[0]) for f in data["files"][pick]])
            for name, keys, store in (("group", groups, entry["groups"]), ("sex", sexes, entry["sex"])):
                for key in sorted(set(keys) - {""}):
                    m = keys == key
                    fm = m[found]
                    store[key] = figures(e2e["wild"][fm], yp[found][fm], threshold, found[m]) if fm.any() else \
                        {"pictures": int(m.sum()), "found": 0.0, "end_to_end": 0.0}
            side = np.array([min(p.shape[:2]) / 1.8 for p in pictures])
            for lo, hi in SIZE_BUCKETS:
                m = (side >= lo) & (side < hi)
                if m.any():
                    right = np.zeros(len(pick), bool)
                    right[found] = e2e["wild"].argmax(1) == yp[found]
                    entry["face_size"][f"{lo}-{hi if hi < 10_000 else ''}px"] = {
                        "pictures": int(m.sum()), "found": float(found[m].mean()), "end_to_end": float(right[m].mean())}
        report["sources"][source] = entry
        log(f"{source}: crops acc {entry['aligned_crops']['accuracy']:.4f}; end to end {entry['end_to_end']['end_to_end']:.4f} "
            f"(found {entry['end_to_end']['found']:.3f}, live tier {entry['end_to_end_live_tier']['end_to_end']:.4f}, "
            f"wild network alone {entry['end_to_end_wild_network_alone']['end_to_end']:.4f}), "
            f"{entry['seconds_per_picture_reading']:.3f} s a picture to read")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=str(MODELS_DIR / "video"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--cache", default=str(DEFAULT_CACHE))
    parser.add_argument("--end-to-end", type=int, default=400, help="report pictures per source read end to end")
    parser.add_argument("--limit", type=int, default=None, help="smoke run: the cache of this many pictures")
    parser.add_argument("--detect-only", action="store_true", help="find the report faces into the cache and stop")
    parser.add_argument("--run", default=None, help="the training run whose history goes into the card "
                                                    "(default: <cache>/run)")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir or default_data_dir())
    data = load_or_build(data_dir, args.cache, args.limit)
    if args.detect_only:
        for source in ("expw", "rafdb", "fer2013"):
            pick = report_pictures(data, source, args.end_to_end)
            faces = cached_faces(Path(args.cache), f"{source}_{len(pick)}_{len(data['labels'])}",
                                 _pictures(data_dir, data, pick))
            log(f"{source}: found {faces['found'].mean():.3f} of {len(pick)}")
        return 0
    hp = json.loads((Path(args.model_dir) / WILD_HPARAMS_FILE).read_text())
    report = evaluate(Path(args.model_dir), data_dir, data, args.end_to_end, Path(args.cache), hp.get("live_weight", 0.0))
    path = Path(args.model_dir) / WILD_META_FILE
    history = Path(args.run or Path(args.cache) / "run") / "history.json"
    meta = {**report["calibration"], "evaluation": report,
            "history": json.loads(history.read_text()) if history.is_file() else [],
            "date": time.strftime("%Y-%m-%d"), "end_to_end_pictures_per_source": args.end_to_end}
    atomic_write_text(path, json.dumps(meta, indent=2) + "\n")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
