"""Evaluate the shipped expression model on both validation sets and write its model card.

    python -m library.video.train.evaluate [--data-dir D] [--model Models/video/expression.keras]
                                     [--checkpoint-dir checkpoints/video-v2/run] [--baseline Models/video/v1]

Validation sets: FER2013 val (3,589 faces) and the held-out fifth of RAF-DB's training split, its
pictures through the app's own still-picture face step (library/video/train/prepare.py; a picture
where no face is found counts as wrong in the end-to-end figure). Every figure is computed here
from the files as they are now; ``expression.md`` and the confusion images are written beside
the model (library/video/train/card.py).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from library.audio.train.evaluate import ece
from library.paths import PROJECT_ROOT, default_data_dir
from library.training import classification_metrics, plot_confusion
from library.video.model import DEFAULT_DIR, ONNX_FILE, FacialExpressionModel
from library.video.train.network import KERAS_FILE

CM_FILES = {"fer2013": "expression_confusion.png", "rafdb": "expression_confusion_rafdb.png"}
TITLES = {"fer2013": "FER2013 val", "rafdb": "RAF-DB held-out fifth (faces found)"}


def figures(model: FacialExpressionModel, x: np.ndarray, y: np.ndarray) -> dict:
    """Accuracy, macro F1, per class, ECE before/after temperature, abstention — shipped setting —
    plus accuracy without TTA."""
    t, tta = model.temperature, model.flip_tta
    try:
        model.temperature = 1.0
        raw = model.predict_proba(x)
        model.flip_tta = False
        plain = model.predict_proba(x)
    finally:
        model.temperature, model.flip_tta = t, tta
    cal = model.predict_proba(x)
    m = classification_metrics(cal, y, topk=(2, 3))
    answered = np.array([model.is_confident(p) for p in cal], dtype=bool)
    right = cal.argmax(1) == y
    return {
        "n": int(len(y)), "accuracy": m["accuracy"], "top2": m["topk"][2], "top3": m["topk"][3],
        "balanced_accuracy": m["balanced_accuracy"], "macro_f1": m["macro_f1"],
        "accuracy_no_tta": float((plain.argmax(1) == y).mean()),
        "ece_before": ece(raw, y), "ece": ece(cal, y),
        "answered": float(answered.mean()),
        "accuracy_answered": float(right[answered].mean()) if answered.any() else float("nan"),
        "per_class": m["per_class"], "confusion": m["confusion"],
    }


def evaluate(model_path: Path, data_dir: Path, ckpt_dir: Path | None, baseline: Path | None) -> dict:
    from library.video.train import card
    from library.video.train import prepare as P
    from library.video.train.sources import load_sources

    data = load_sources(data_dir, ("fer2013", "rafdb"), P.DEFAULT_CACHE, seed=0)
    pictures = data.stats["rafdb"]["held_out_pictures"]
    t0 = time.perf_counter()
    model = FacialExpressionModel.load(model_path)
    results = {name: figures(model, x, y) for name, (x, y) in data.val.items()}
    results["rafdb"]["pictures"] = pictures
    results["rafdb"]["accuracy_end_to_end"] = results["rafdb"]["accuracy"] * results["rafdb"]["n"] / pictures
    base = None
    if baseline is not None and (baseline / ONNX_FILE).is_file():
        old = FacialExpressionModel.load(baseline)
        base = {name: figures(old, x, y) for name, (x, y) in data.val.items()}
        base["rafdb"]["accuracy_end_to_end"] = base["rafdb"]["accuracy"] * base["rafdb"]["n"] / pictures
    seconds = time.perf_counter() - t0
    state = None
    if ckpt_dir is not None and (ckpt_dir / "state.json").is_file():
        state = json.loads((ckpt_dir / "state.json").read_text())
    out_dir = model_path.parent
    for name, r in results.items():
        plot_confusion(r["confusion"], out_dir / CM_FILES[name],
                       f"{TITLES[name]}, flip TTA, calibrated: acc {r['accuracy']:.4f}")
    n_params = int(model.meta.get("params", 0))
    text = card.write(model_path, model, results, base, data.stats, state, n_params, data_dir, CM_FILES)
    (out_dir / card.CARD_FILE).write_text(text)
    return {"fer2013_accuracy": results["fer2013"]["accuracy"], "rafdb_accuracy": results["rafdb"]["accuracy"],
            "rafdb_end_to_end": results["rafdb"]["accuracy_end_to_end"],
            "macro_f1": {k: v["macro_f1"] for k, v in results.items()},
            "ece": {k: (v["ece_before"], v["ece"]) for k, v in results.items()},
            "baseline": None if base is None else {k: v["accuracy"] for k, v in base.items()},
            "eval_seconds": round(seconds, 1), "card": str(out_dir / card.CARD_FILE)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--model", type=Path, default=DEFAULT_DIR / KERAS_FILE)
    ap.add_argument("--checkpoint-dir", type=Path, default=PROJECT_ROOT / "checkpoints" / "video-v2" / "run",
                    help="read the training run's state.json for the card (if present)")
    ap.add_argument("--baseline", type=Path, default=DEFAULT_DIR / "v1", help="the previous model, for comparison")
    a = ap.parse_args(argv)
    model_path = a.model / KERAS_FILE if a.model.is_dir() else a.model
    result = evaluate(model_path, a.data_dir or default_data_dir(), a.checkpoint_dir, a.baseline)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
