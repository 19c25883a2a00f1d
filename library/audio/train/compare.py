"""Compare voice-model recipes on the same speaker folds and write the table for docs/decisions.md.

    python -m library.audio.train.compare [--only NAME ...] [--out docs/figures/voice_compare.json]

Every recipe reads the cached states of its encoder (checkpoints/audio/<encoder>/, prepare.py) and the same grouped
folds; each validation clip is read through the app's windows. Encoders are compared on clean clips (the cache of
each holds at least copy 0); the rows of the Voice v2 comparison (tiny.en, windows padded to 30 s) are kept in the
JSON as they were measured. The baseline row (the CNN-LSTM shipped before, trained on RAVDESS
01-16 only) comes from ``tmp/baseline_cnn.json`` when present (its own protocol: actors 17-20 and the
three other corpora, all unseen by it).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


from library.audio.train.__main__ import load_corpus
from library.audio.train.evaluate import grouped_report, speaker_folds
from library.audio.train.heads import HeadConfig
from library.audio.train.prepare import cache_dir
from library.audio.train.recipe import run_recipe
from library.paths import PROJECT_ROOT
from library.training import log

MLP = HeadConfig("mlp", hidden=256, alpha=1e-2)
# name: (encoder, head, training copies (0 = clean only), window_s, pooled statistics, calibrated on[, class bias])
RECIPES = {
    "v3 tiny.en, MLP 256, clean, T on speakers": ("tiny.en", MLP, 0, 3.0, "mean_std", "speakers"),
    "v3 tiny.en, linear C=0.05, clean": ("tiny.en", HeadConfig("linear", c=0.05), 0, 3.0, "mean_std", "speakers"),
    "v3 tiny.en, MLP 512, clean": ("tiny.en", HeadConfig("mlp", hidden=512, alpha=1e-2), 0, 3.0, "mean_std",
                                   "speakers"),
    "v3 base, MLP 256, clean, T on speakers": ("base", MLP, 0, 3.0, "mean_std", "speakers"),
    "v3 base, MLP 256, clean, T on speakers+corpora": ("base", MLP, 0, 3.0, "mean_std", "speakers+corpora"),
    "v3 base, linear C=0.05, clean": ("base", HeadConfig("linear", c=0.05), 0, 3.0, "mean_std", "speakers"),
    "v3 base, MLP 512, clean": ("base", HeadConfig("mlp", hidden=512, alpha=1e-2), 0, 3.0, "mean_std", "speakers"),
    "v3 base, MLP 256, +1 augmented copy": ("base", MLP, 1, 3.0, "mean_std", "speakers"),
    "v3 base, MLP 512, +1 augmented copy": ("base", HeadConfig("mlp", hidden=512, alpha=1e-2), 1, 3.0, "mean_std",
                                            "speakers"),
    "v3 base, linear C=0.05, +1 augmented copy": ("base", HeadConfig("linear", c=0.05), 1, 3.0, "mean_std",
                                                  "speakers"),
    "v3 base, 3 x MLP 512 (seeds 0-2, logits averaged), +1 augmented copy": (
        "base", HeadConfig("mlp", hidden=512, alpha=1e-2, members=3), 1, 3.0, "mean_std", "speakers"),
    "v3 base, MLP 256, clean, T + class bias on speakers+corpora": ("base", MLP, 0, 3.0, "mean_std",
                                                                    "speakers+corpora", True),
    "v3 base, MLP 256, clean, T + class bias on speakers": ("base", MLP, 0, 3.0, "mean_std", "speakers", True),
    "v3 base, MLP 256, +1 augmented copy, T + class bias on speakers": ("base", MLP, 1, 3.0, "mean_std", "speakers",
                                                                        True),
}


def row(report: dict) -> dict:
    c, s = report["per_corpus"], report["per_sex"]
    return {
        "accuracy": report["all"]["accuracy"], "uar": report["all"]["uar"], "macro_f1": report["all"]["macro_f1"],
        "ece": report["all"]["ece"],
        **{f"acc_{k}": v["accuracy"] for k, v in c.items()},
        "sex_gap": abs(s["male"]["accuracy"] - s["female"]["accuracy"]),
        "max_share": max(v["most_predicted_share"] for v in c.values()),
        **{f"recall_{e}": report["all"]["per_class"][e]["recall"] for e in ("happy", "sad", "fear")},
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "figures" / "voice_compare.json")
    ap.add_argument("--only", nargs="*", help="names of recipes to run (default all)")
    args = ap.parse_args(argv)
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    corpora = {}
    for name, (encoder, cfg, copies, window_s, stats, calibrate_on, *bias) in RECIPES.items():
        if args.only and name not in args.only:
            continue
        key = (encoder, copies)
        if key not in corpora:
            corpora[key] = load_corpus(cache_dir(encoder), copies)
        data = corpora[key]
        folds = speaker_folds(data.speakers)
        t0 = time.time()
        r = run_recipe(data, folds, cfg, copies, window_s, stats, fit_final=False, calibrate_on=calibrate_on,
                       class_bias=bool(bias and bias[0]))
        results[name] = {**row(grouped_report(r.oof_proba, data.y, data.records)), "temperature": r.temperature,
                         "seconds": round(time.time() - t0, 1)}
        if r.loco_proba is not None:
            loco = grouped_report(r.loco_proba, data.y, data.records)
            results[name].update(loco_accuracy=loco["all"]["accuracy"], loco_ece=loco["all"]["ece"])
        log(f"{name}: " + ", ".join(f"{k} {v:.3f}" for k, v in results[name].items()))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1))
    baseline = PROJECT_ROOT / "tmp" / "baseline_cnn.json"
    if baseline.is_file():
        b = json.loads(baseline.read_text())
        results["CNN-LSTM shipped before (RAVDESS 01-16 only; unseen: 17-20 + 3 corpora)"] = {
            "accuracy": None, "uar": None, "macro_f1": None, "ece": None,
            **{f"acc_{k}": b[k]["accuracy"] for k in ("savee", "emodb", "tess")},
            "acc_ravdess": b["ravdess_17_20"]["accuracy"],
            "sex_gap": abs(b["male"]["accuracy"] - b["female"]["accuracy"]),
            "max_share": max(b[k]["most_predicted_share"] for k in ("ravdess_17_20", "savee", "emodb", "tess")),
        }
    args.out.write_text(json.dumps(results, indent=1))
    print(markdown(results))


def markdown(results: dict) -> str:
    cols = ["accuracy", "uar", "ece", "acc_ravdess", "acc_savee", "acc_emodb", "acc_tess", "sex_gap", "max_share",
            "recall_happy", "recall_sad", "recall_fear", "loco_accuracy", "loco_ece"]
    head = ("| recipe | acc | UAR | ECE | RAVDESS | SAVEE | EmoDB | TESS | m/f gap | top share | happy | sad | fear "
            "| LOCO acc | LOCO ECE |")
    lines = [head, "|" + "---|" * (len(cols) + 1)]
    for name, r in results.items():
        cells = ["–" if r.get(c) is None else f"{r[c]:.3f}" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
