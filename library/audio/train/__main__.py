"""Train the voice model's head on four corpora, validate it by speaker and by corpus, and write the model card.

    python -m library.audio.train [--hparams FILE] [--data-dir D] [--out Models/audio] [--threads 2] [--smoke]

Steps (prepare -> train -> evaluate -> card): encode every clip once with the frozen Whisper encoder the
hyperparameters name (prepare.py; cached in checkpoints/audio/<encoder>/, resumable) -> grouped K-fold over the 33
speakers and leave-one-corpus-out, each validation clip read through the app's own windows -> temperature fitted on
both, abstention threshold -> the head refitted on every speaker -> ``speech_emotion_head.npz`` +
``speech_emotion.json`` + ``speech_emotion_hparams.json`` (the hyperparameters used, from ``voice_hparams.json``
beside this module by default) + the card. ``--smoke`` runs the same steps on 60 clips and 3 folds into tmp/ (CI).
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
from library.audio.train.evaluate import grouped_report, speaker_folds, summary
from library.audio.train.heads import HeadConfig
from library.audio.train.prepare import cache_dir, load_cache, prepare
from library.audio.train.recipe import Corpus, run_recipe
from library.audio.whisper_packages import WHISPER_MODELS
from library.paths import MODELS_DIR, PROJECT_ROOT, default_data_dir
from library.training import atomic_write_text, log

HPARAMS_PATH = Path(__file__).with_name("voice_hparams.json")
HPARAMS_FILE = "speech_emotion_hparams.json"  # the hyperparameters a model was trained with, beside it


def load_hparams(path: str | Path | None = None) -> dict:
    return json.loads(Path(path or HPARAMS_PATH).read_text())


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
    ap.add_argument("--hparams", type=Path, default=None, help=f"default {HPARAMS_PATH.relative_to(PROJECT_ROOT)}")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--cache", type=Path, default=None, help="encoder-state cache (default checkpoints/audio/<encoder>)")
    ap.add_argument("--out", type=Path, default=None, help="default Models/audio (tmp/smoke-audio with --smoke)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--smoke", action="store_true", help="60 clips, 3 folds, into tmp/smoke-audio (CI)")
    args = ap.parse_args(argv)
    started = time.time()
    hp = load_hparams(args.hparams)
    if args.smoke:
        hp["folds"] = 3
    encoder = hp["encoder"]
    args.cache = args.cache or (PROJECT_ROOT / "tmp" / f"smoke-audio-cache-{encoder}" if args.smoke
                                else cache_dir(encoder))
    args.out = args.out or (PROJECT_ROOT / "tmp" / "smoke-audio" if args.smoke else MODELS_DIR / "audio")
    copies = max(hp["train_copies"], 1)
    prepare(args.data_dir, args.cache, copies, args.threads, 60 if args.smoke else None, encoder)
    data = load_corpus(args.cache, copies)
    y = data.y
    folds = speaker_folds(data.speakers, min(hp["folds"], len(set(data.speakers))))
    cfg = HeadConfig(**hp["head"])
    log(f"{len(y)} clips, {len(set(data.speakers))} speakers, {len(folds)} folds; encoder {encoder}; head {cfg}")
    result = run_recipe(data, folds, cfg, hp["train_copies"], hp["window_s"], hp["stats"],
                        calibrate_on=hp["calibrate_on"], class_bias=hp.get("class_bias", False))
    report = grouped_report(result.oof_proba, y, data.records)
    if result.oof_proba_augmented is not None:
        report["augmented"] = {k: v for k, v in summary(result.oof_proba_augmented, y).items()
                               if k not in ("per_class", "confusion")}
    loco = None
    if result.loco_proba is not None:
        loco = {k: {f: v[f] for f in ("n", "accuracy", "uar", "ece", "most_predicted", "most_predicted_share")}
                for k, v in grouped_report(result.loco_proba, y, data.records)["per_corpus"].items()}
    log(f"out-of-fold accuracy {report['all']['accuracy']:.4f}, UAR {report['all']['uar']:.4f}, "
        f"ECE {report['all']['ece']:.4f}, T {result.temperature:.3f}, abstain below {result.abstain_below}")
    args.out.mkdir(parents=True, exist_ok=True)
    result.head.save(args.out / MODEL_FILE)
    atomic_write_text(args.out / HPARAMS_FILE, json.dumps(hp, indent=1))
    confident = result.oof_proba.max(axis=1) >= result.abstain_below
    right = result.oof_proba.argmax(axis=1) == y
    spec = WHISPER_MODELS[encoder]
    meta = {
        "name": "speech_emotion",
        "encoder_name": encoder,
        "encoder": f"whisper-{encoder} (CTranslate2 int8, {' + '.join(spec.distributions)}), frozen",
        "encoder_width": spec.width,
        "multilingual": spec.multilingual,
        "pooling": "mean and std of the encoder states over voiced frames",
        "head": cfg.to_dict(),
        "train_copies": hp["train_copies"],
        "window_s": hp["window_s"],
        "temperature": result.temperature,
        "calibrate_on": hp["calibrate_on"],
        "class_bias": None if result.class_bias is None else [round(float(v), 4) for v in result.class_bias],
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
        "leave_one_corpus_out": loco,
        "file_bytes": (args.out / MODEL_FILE).stat().st_size,
        "train_seconds": round(time.time() - started, 1),
        "command": ("python -m library.audio.train " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))).strip(),
        "smoke": bool(args.smoke),
    }
    atomic_write_text(args.out / META_FILE, json.dumps(meta, indent=1))
    card.write_card(args.out, meta, args.data_dir)
    log(f"wrote {args.out / MODEL_FILE}, {META_FILE}, {HPARAMS_FILE} and the card in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
