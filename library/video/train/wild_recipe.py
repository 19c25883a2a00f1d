"""The shipped face model's recipe: prepare -> train -> export -> evaluate -> card.

    python -m library.video.train [--data-dir D] [--out Models/video] [--resume] [--smoke]

Trains the wild tier (``expression_wild.onnx``). The live tier (``expression.onnx``, the 48-px v2 CNN) has
its own recipe, unchanged: ``python -m library.video.train --tier live`` (``run.py``, Keras).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from library.paths import MODELS_DIR, PROJECT_ROOT, default_data_dir
from library.training import log
from library.video.model import CAM_FILE, META_FILE, ONNX_FILE
from library.video.train import wild_card, wild_evaluate, wild_export, wild_train
from library.video.train.wild_data import DEFAULT_CACHE, load_or_build

SMOKE_PICTURES = 200


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=None, help="where the model files and card go (default Models/video; "
                                                    "tmp/smoke-video with --smoke, never over the shipped model)")
    parser.add_argument("--cache", default=str(DEFAULT_CACHE), help="the prepared crops and the training run")
    parser.add_argument("--hparams", default=None, help="default: library/video/train/wild_hparams.json")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--end-to-end", type=int, default=400, help="report pictures per source read end to end")
    parser.add_argument("--smoke", action="store_true", help="a few steps on 200 pictures (CI)")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir or default_data_dir())
    cache = Path(args.cache)
    out = Path(args.out) if args.out else (PROJECT_ROOT / "tmp" / "smoke-video" if args.smoke else MODELS_DIR / "video")
    limit = SMOKE_PICTURES if args.smoke else None
    data = load_or_build(data_dir, cache, limit)  # prepare
    hp = wild_train.load_hparams(args.hparams, args.smoke)
    run = cache / ("run-smoke" if args.smoke else "run")
    wild_train.train(hp, run, data, args.resume)  # train
    wild_export.export(run, out, data["images"][:8])  # export
    for name in (ONNX_FILE, META_FILE, CAM_FILE):  # the live tier is served beside it (trained by --tier live)
        if not (out / name).exists() and (MODELS_DIR / "video" / name).exists():
            shutil.copy(MODELS_DIR / "video" / name, out / name)
    report = wild_evaluate.evaluate(out, data_dir, data, 5 if args.smoke else args.end_to_end, cache,
                                    hp.get("live_weight", 0.0))  # evaluate
    history = json.loads((run / "history.json").read_text())
    meta = {**report["calibration"], "evaluation": report, "history": history,
            "date": time.strftime("%Y-%m-%d"),
            "end_to_end_pictures_per_source": 5 if args.smoke else args.end_to_end}
    (out / wild_evaluate.WILD_META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    log(f"card: {wild_card.write_card(out)}")  # card
    return 0
