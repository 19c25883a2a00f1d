"""Temperature scaling and the abstention threshold of the exported expression model.

    python -m library.video.train.calibrate [--model-dir checkpoints/video-v2/out]

Fitted on the model's output as the app reads it (ONNX Runtime, flip TTA: the mean of the face
and its mirror), over both validation sets together (FER2013 val + the held-out fifth of RAF-DB,
faces found): one temperature T, applied as p^(1/T) renormalised (= logits / T, since the
network's output is a softmax), then the lowest confidence from which every 0.05-wide bin is right
at least 40% of the time (the voice model's rule, library/audio/train/evaluate.py): below it the
app says "unclear". Both are written into ``expression.json``, which ``FacialExpressionModel``
reads; the same validation chose the epoch, so the figures are slightly optimistic (said in the card).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from library.audio.train.evaluate import abstain_threshold, ece, fit_temperature
from library.training import atomic_write_text, classification_metrics, log
from library.video.model import META_FILE, FacialExpressionModel

ABSTAIN_FLOOR = 0.4  # as the voice model: below this accuracy a bin's answer is "unclear"


def _figures(p: np.ndarray, y: np.ndarray, abstain_below: float) -> dict:
    m = classification_metrics(p, y)
    confident = p.max(axis=1) >= abstain_below
    return {
        "n": int(len(y)), "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
        "balanced_accuracy": m["balanced_accuracy"], "ece": ece(p, y),
        "per_class": m["per_class"], "confusion": m["confusion"],
        "answered": float(confident.mean()),
        "accuracy_answered": float((p.argmax(1) == y)[confident].mean()) if confident.any() else None,
    }


def calibrate(model_dir: Path, val: dict[str, tuple[np.ndarray, np.ndarray]],
              rafdb_pictures: int | None = None) -> dict:
    """Fit T and the threshold on ``val`` (name -> (faces, labels)); write them into the model's metadata."""
    model = FacialExpressionModel.load(model_dir)
    model.temperature = 1.0
    raw = {name: model.predict_proba(x) for name, (x, _) in val.items()}
    ys = {name: y for name, (_, y) in val.items()}
    p_all, y_all = np.concatenate(list(raw.values())), np.concatenate(list(ys.values()))
    t = fit_temperature(np.log(np.clip(p_all, 1e-12, None)), y_all)
    model.temperature = t
    cal = {name: model.predict_proba(x) for name, (x, _) in val.items()}
    threshold = abstain_threshold(np.concatenate(list(cal.values())), y_all, floor=ABSTAIN_FLOOR)
    report = {"temperature": round(t, 4), "abstain_below": threshold, "tta": "flip", "per_source": {}}
    for name in val:
        f = _figures(cal[name], ys[name], threshold)
        f["ece_before"] = ece(raw[name], ys[name])
        if name == "rafdb" and rafdb_pictures:
            # A held-out picture where no face was found counts as wrong (what a user would get).
            f["pictures"] = int(rafdb_pictures)
            f["accuracy_end_to_end"] = f["accuracy"] * f["n"] / rafdb_pictures
        report["per_source"][name] = f
    report["all"] = {"ece_before": ece(p_all, y_all), "ece_after": ece(np.concatenate(list(cal.values())), y_all)}
    meta_path = Path(model_dir) / META_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    meta.update(temperature=report["temperature"], abstain_below=threshold, calibration=report)
    atomic_write_text(meta_path, json.dumps(meta, indent=2))
    log(f"calibrated: T {t:.3f}, abstain below {threshold}, ECE {report['all']['ece_before']:.4f} -> "
        f"{report['all']['ece_after']:.4f}; " + ", ".join(
            f"{k} acc {v['accuracy']:.4f} F1 {v['macro_f1']:.4f}" for k, v in report["per_source"].items()))
    return report


def main(argv: list[str] | None = None) -> int:
    from library.paths import default_data_dir
    from library.video.train import prepare as P
    from library.video.train.sources import load_sources

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", type=Path, default=P.DEFAULT_CACHE / "out")
    ap.add_argument("--data-dir", type=Path, default=None)
    a = ap.parse_args(argv)
    data = load_sources(a.data_dir or default_data_dir(), ("fer2013", "rafdb"), P.DEFAULT_CACHE, seed=0)
    calibrate(a.model_dir, data.val, data.stats["rafdb"]["held_out_pictures"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
