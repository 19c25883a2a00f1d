"""Cross-validated comparison of every personality model (``python -m library.text.train --v1 personality --compare``).

All models see the same folds: 5-fold stratified CV on the *training part* of the
fixed hold-out split, so the validation essays stay unseen by model selection.
Results go to ``cv_comparison.json``, rewritten after each model so a long run can
be watched (and survives an interruption with what it has so far).
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np

from library.text.personality.data import CV_FOLDS, CV_SEED, HOLDOUT_FRACTION, HOLDOUT_SEED, cv_splits, holdout_split
from library.text.personality.evaluate import cross_validate
from library.text.personality.pipelines import MODEL_NAMES, Normalise, build_pipeline
from library.text.personality.traits import TRAITS

NEURAL_NAME = "w2v_conv_lstm"


def _neural(epochs: int, seed: int):
    from sklearn.pipeline import Pipeline

    from library.text.personality.neural import Word2VecConvLSTM

    return Pipeline([("normalise", Normalise(drop_stopwords=True, lemmatise=True)),
                     ("clf", Word2VecConvLSTM(epochs=epochs, patience=2, seed=seed))])


def run_comparison(texts: list[str], labels: np.ndarray, out_file: Path, models=MODEL_NAMES,
                   neural: bool = True, neural_epochs: int = 8, seed: int = 0, log=print) -> dict:
    train_idx, _ = holdout_split(labels)
    texts = [texts[i] for i in train_idx]
    labels = labels[train_idx]
    splits = cv_splits(labels)
    report = {
        "protocol": (f"{CV_FOLDS}-fold StratifiedKFold (shuffle, random_state={CV_SEED}) on the "
                     f"label pattern, over the training part ({len(texts)} essays) of the hold-out "
                     f"split (validation fraction {HOLDOUT_FRACTION}, seed {HOLDOUT_SEED}); "
                     f"accuracy at threshold 0.5 per trait; std over folds"),
        "traits": list(TRAITS),
        "n_essays": len(texts),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "models": {},
    }
    cache: dict = {}
    names = list(models) + ([NEURAL_NAME] if neural else [])
    for name in names:
        log(f"== {name}")
        started = time.time()
        if name == NEURAL_NAME:
            result = cross_validate(lambda: _neural(neural_epochs, seed), texts, labels, splits, cache, log)
            result["settings"] = f"max {neural_epochs} epochs, early stopping patience 2 on a 10% inner split, bf16"
        else:
            result = cross_validate(lambda: build_pipeline(name, seed), texts, labels, splits, cache, log)
        report["models"][name] = result
        log(f"   mean {result['mean']:.4f} ({time.time() - started:.0f}s)")
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(json.dumps(report, indent=2))
    return report
