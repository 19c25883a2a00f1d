"""The shipped text models' recipe (words v2): prepare -> train -> evaluate -> card.

    python -m library.text.train [--data-dir D] [--work tmp/words_v2] [--out Models/text] [--hparams FILE]
                                 [--stages tfidf,encoder,final,essays,ship] [--final-from-fold K] [--smoke]
    python -m library.text.train --v1 personality|emotion [...]   the v1 TF-IDF trainers, kept for comparison

One fine-tuned encoder serves both shipped models: emotion (ISEAR) and the Big Five (Essays). Prepare:
ISEAR deduplicated and split into grouped folds (words.py); train: the resumable stages of words.py (TF-IDF
and encoder folds, the final encoder, the essays' features); evaluate: compare, calibrate and choose on the
out-of-fold figures (ship.py); card: the model files, their figures and cards (ship.py, card.py).

Hyperparameters come from a JSON file (default ``words_hparams.json`` beside this module) and are saved
beside the models under the same name, and in the work folder, whose checkpoints they made: a resumed run
must use the same ones.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from library.paths import MODELS_DIR, PROJECT_ROOT
from library.text.train import ship
from library.text.train.card import HPARAMS_FILE
from library.text.train.essays import SMOKE_ESSAYS
from library.text.train.words import (SMOKE_ROWS, load_emotion_data, stage_encoder_cv, stage_essay_features,
                                      stage_final_encoder, stage_rescore, stage_tfidf)
from library.training import atomic_write_text

HPARAMS_PATH = Path(__file__).with_name(HPARAMS_FILE)
DEFAULT_WORK = PROJECT_ROOT / "tmp" / "words_v2"
DEFAULT_OUT = MODELS_DIR / "text"
# A smoke run never writes over the real checkpoints or the shipped models unless told to.
SMOKE_WORK = PROJECT_ROOT / "tmp" / "words_v2-smoke"
SMOKE_OUT = PROJECT_ROOT / "tmp" / "smoke-text"
SMOKE_STEPS = 2
STAGES = ("tfidf", "encoder", "final", "essays", "ship")
V1 = ("personality", "emotion")


def load_hparams(path: str | Path | None = None, smoke: bool = False) -> dict:
    hp = json.loads(Path(path or HPARAMS_PATH).read_text())
    if smoke:  # a few steps and the smallest grid (CI)
        hp["encoder"].update(max_steps=SMOKE_STEPS)
        hp["personality"].update(encoder_head_c=[0.01], encoder_head_folds=2)
    return hp


def _write_hparams(path: Path, hp: dict) -> None:
    atomic_write_text(path, json.dumps(hp, indent=2) + "\n")


def keep_hparams(work: Path, hp: dict) -> None:
    """Record the run's hyperparameters in the work folder; refuse to resume checkpoints made with others."""
    path = work / "hparams.json"
    if path.is_file() and json.loads(path.read_text()) != hp:
        raise SystemExit(f"{path} holds other hyperparameters than this run's: its checkpoints were made with "
                         f"them (rerun with --hparams {path}, or use another --work)")
    _write_hparams(path, hp)


def run(hp: dict, data_dir=None, work: Path = DEFAULT_WORK, out: Path = DEFAULT_OUT, smoke: bool = False,
        command: str = "python -m library.text.train", stages=STAGES, from_fold: int | None = None,
        log=print) -> dict:
    work, out = Path(work), Path(out)
    work.mkdir(parents=True, exist_ok=True)
    keep_hparams(work, hp)
    dd, splits = load_emotion_data(data_dir, smoke)  # prepare
    (work / "isear_data.json").write_text(json.dumps(dd.summary, indent=2))
    log(f"ISEAR: {dd.summary}; {len(splits)} folds")
    if "tfidf" in stages:  # train
        stage_tfidf(dd, splits, work, log)
    if "encoder" in stages:
        stage_encoder_cv(dd, splits, work, log, hp["encoder"])
    if "rescore" in stages:
        stage_rescore(dd, splits, work, log)
    if "final" in stages:
        stage_final_encoder(dd, work, log, hp["encoder"], from_fold)
    if "essays" in stages:
        stage_essay_features(work, data_dir, log, smoke)
    result = {"work": work}
    if "ship" in stages:
        chosen = ship.evaluate(dd, splits, work, hp, data_dir=data_dir, smoke=smoke, command=command,
                               log=log)  # evaluate
        figures = ship.write(chosen, work, out, dd.texts, log)  # card (with the model files)
        _write_hparams(out / HPARAMS_FILE, hp)
        result.update(shipped=figures["shipped"], figures=figures)
    return result


def _v1(argv: list[str]) -> int:
    """``--v1 NAME [...]``: the v1 TF-IDF trainer NAME with the other arguments."""
    i = argv.index("--v1")
    name = argv[i + 1] if i + 1 < len(argv) else ""
    rest = argv[:i] + argv[i + 2:]
    if name == "personality":
        from library.text.train.personality import main as v1_main
    elif name == "emotion":
        from library.text.train.emotion import main as v1_main
    else:
        raise SystemExit(f"--v1 is one of {', '.join(V1)}")
    return v1_main(rest)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--v1" in argv:
        return _v1(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="data folder (default: ESAPR_DATA_DIR or ../shared/data)")
    def shown(path: Path) -> Path:
        return path.relative_to(PROJECT_ROOT)

    parser.add_argument("--work", default=None,
                        help=f"checkpoints, resumable (default {shown(DEFAULT_WORK)}; {shown(SMOKE_WORK)} with --smoke)")
    parser.add_argument("--out", default=None,
                        help=f"where the models and cards go (default {shown(DEFAULT_OUT)}; {shown(SMOKE_OUT)} with --smoke)")
    parser.add_argument("--hparams", default=None, help=f"default: {shown(HPARAMS_PATH)}")
    parser.add_argument("--smoke", action="store_true",
                        help=f"{SMOKE_ROWS} answers, 2 folds, {SMOKE_STEPS} steps, {SMOKE_ESSAYS} essays (CI)")
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--threads", type=int, default=1,
                        help="torch/BLAS threads (1: on the shared 2-core box two threads wait on each other)")
    parser.add_argument("--final-from-fold", type=int, default=None,
                        help="ship fold K's encoder (and TF-IDF) instead of refitting on every answer")
    parser.add_argument("--v1", choices=V1,
                        help="train a v1 TF-IDF model instead (its own options follow; see --v1 NAME --help)")
    args = parser.parse_args(argv)
    work = Path(args.work or (SMOKE_WORK if args.smoke else DEFAULT_WORK))
    out = Path(args.out or (SMOKE_OUT if args.smoke else DEFAULT_OUT))
    command = " ".join(["python -m library.text.train", *(shlex.quote(a) for a in argv)])
    hp = load_hparams(args.hparams, args.smoke)
    import torch
    from threadpoolctl import threadpool_limits

    previous = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:  # thread limits are process-wide: restore them for a caller (a test session)
        with threadpool_limits(args.threads):
            run(hp, args.data_dir, work, out, smoke=args.smoke, command=command, stages=tuple(args.stages.split(",")),
                from_fold=args.final_from_fold, log=lambda s: print(s, flush=True))
    finally:
        torch.set_num_threads(previous)
    return 0
