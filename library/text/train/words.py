"""Words v2's data and training stages: what ``python -m library.text.train`` (recipe.py) runs to make the
shipped text emotion and personality models.

Stages (each writes its result to the work folder and is skipped when that file exists, so a crash
or a kill loses at most the fold in progress):

1. ``isear_tfidf_fold{k}``: the TF-IDF + logistic regression baseline, out-of-fold probabilities.
2. ``isear_encoder_fold{k}``: all-MiniLM-L6-v2 fine-tuned on the other folds (finetune.py),
   exported to int8 ONNX; out-of-fold logits of the int8 file (what the app runs) and of the
   fp32 torch model (the cost of quantisation).
3. ``final_encoder``: the same recipe on every answer -> ``words_encoder.int8.onnx``.
4. ``essay_features``: each essay's mean window embedding from the final encoder.
Then (recipe.py, cheap, always rerun) evaluate: calibration, choice by CV, neutral rule, personality
per trait, refits of the linear models (ship.py); and write the model files and cards.

ISEAR is deduplicated before splitting (duplicates by letters-only text; a text given under
different emotions is dropped as ambiguous) and non-answers are dropped (emotion/data.py).
Folds: 5-fold StratifiedGroupKFold (seed 42) by emotion, grouped by text.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from library.text.emotion.data import CV_FOLDS, CV_SEED, IsearData, cv_splits, load_isear
from library.text.emotion.model import ISEAR_LABELS
from library.text.encoder import ONNX_FILE, TOKENIZER_FILE
from library.text.train.essays import training_essays

SMOKE_ROWS = 140


@dataclass
class Deduplicated:
    texts: list[str]
    y: np.ndarray  # (N,) int, ISEAR_LABELS index
    groups: np.ndarray
    summary: dict


def deduplicate(data: IsearData) -> Deduplicated:
    """One row per distinct text; a text labelled with two emotions is dropped (ambiguous)."""
    keep, n_conflict = [], 0
    for g in np.unique(data.groups):
        rows = np.flatnonzero(data.groups == g)
        if len(set(data.labels[rows])) > 1:
            n_conflict += 1
            continue
        keep.append(rows[0])
    keep = np.array(sorted(keep))
    y = np.array([ISEAR_LABELS.index(lab) for lab in data.labels[keep]])
    summary = {"n_raw": data.n_raw, "n_non_answers_dropped": len(data.dropped),
               "n_after_non_answers": len(data.texts),
               "n_duplicate_rows_removed": int(len(data.texts) - len(np.unique(data.groups))),
               "n_conflicting_texts_dropped": n_conflict, "n_used": int(len(keep)),
               "per_label": {lab: int((y == j).sum()) for j, lab in enumerate(ISEAR_LABELS)}}
    return Deduplicated([data.texts[i] for i in keep], y, data.groups[keep], summary)


def load_emotion_data(data_dir=None, smoke: bool = False) -> tuple[Deduplicated, list]:
    dd = deduplicate(load_isear(data_dir))
    if smoke:
        keep = np.sort(np.random.default_rng(0).permutation(len(dd.texts))[:SMOKE_ROWS])
        dd = Deduplicated([dd.texts[i] for i in keep], dd.y[keep], dd.groups[keep], dd.summary)
    splits = cv_splits(np.asarray(ISEAR_LABELS)[dd.y], dd.groups, n_splits=2 if smoke else CV_FOLDS, seed=CV_SEED)
    return dd, splits


def _save(path: Path, **arrays) -> None:
    tmp = path.with_name("tmp_" + path.name)
    with open(tmp, "wb") as f:
        np.savez(f, **arrays)
    tmp.replace(path)


def stage_tfidf(dd: Deduplicated, splits, work: Path, log) -> None:
    import joblib

    from library.text.train.emotion import build_baseline

    for k, (train, test) in enumerate(splits):
        path = work / f"isear_tfidf_fold{k}.npz"
        if path.exists():
            continue
        start = time.time()
        model = build_baseline().fit([dd.texts[i] for i in train], np.asarray(ISEAR_LABELS)[dd.y[train]])
        cols = [list(model.classes_).index(lab) for lab in ISEAR_LABELS]
        proba = model.predict_proba([dd.texts[i] for i in test])[:, cols]
        joblib.dump(model, work / f"isear_tfidf_fold{k}.joblib", compress=3)
        _save(path, test=test, proba=proba)
        log(f"  tfidf fold {k + 1}/{len(splits)}: accuracy {np.mean(proba.argmax(1) == dd.y[test]):.4f} "
            f"({time.time() - start:.0f}s)")


def stage_encoder_cv(dd: Deduplicated, splits, work: Path, log, encoder_hp: dict) -> None:
    from library.text.train.finetune import export_onnx, fine_tune, onnx_logits, predict_torch

    for k, (train, test) in enumerate(splits):
        path = work / f"isear_encoder_fold{k}.npz"
        if path.exists():
            continue
        start = time.time()
        log(f"  encoder fold {k + 1}/{len(splits)}: fine-tuning on {len(train)} answers")
        model = fine_tune([dd.texts[i] for i in train], dd.y[train], **encoder_hp, log=log)
        test_texts = [dd.texts[i] for i in test]
        fp32 = predict_torch(model, test_texts)
        onnx_path = export_onnx(model, work / f"isear_encoder_fold{k}.int8.onnx")
        int8 = onnx_logits(onnx_path, test_texts)
        _save(path, test=test, logits=int8, logits_fp32=fp32)
        log(f"  encoder fold {k + 1}/{len(splits)}: accuracy int8 {np.mean(int8.argmax(1) == dd.y[test]):.4f}, "
            f"fp32 {np.mean(fp32.argmax(1) == dd.y[test]):.4f} ({time.time() - start:.0f}s)")


def stage_rescore(dd: Deduplicated, splits, work: Path, log) -> None:
    """Re-read every fold's out-of-fold logits from its int8 file with the current serving code
    (WordsEncoder.run); used once when the app's ONNX calls changed after the folds were trained."""
    from library.text.train.finetune import onnx_logits

    for k, (_, test) in enumerate(splits):
        path = work / f"isear_encoder_fold{k}.npz"
        saved = dict(np.load(path))
        assert (saved["test"] == test).all()
        saved["logits"] = onnx_logits(work / f"isear_encoder_fold{k}.int8.onnx", [dd.texts[i] for i in test])
        _save(path, **saved)
        log(f"  fold {k + 1}: rescored, accuracy int8 {np.mean(saved['logits'].argmax(1) == dd.y[test]):.4f}")


def stage_final_encoder(dd: Deduplicated, work: Path, log, encoder_hp: dict, from_fold: int | None = None) -> Path:
    """The shipped encoder: refitted on every answer, or (``from_fold``) fold k's model as validated,
    trained on four fifths: chosen when the machine had no time left for one more fit (the card says so)."""
    from library.text.train.finetune import base_model_dir, export_onnx, fine_tune, onnx_logits, predict_torch

    path = work / ONNX_FILE
    source = work / "final_source.json"
    if from_fold is not None and not path.exists():
        shutil.copyfile(work / f"isear_encoder_fold{from_fold}.int8.onnx", path)
        source.write_text(json.dumps({"from_fold": from_fold}))
        log(f"  final encoder: fold {from_fold + 1}'s model (trained on 4/5 of the answers)")
    if not path.exists():
        source.write_text(json.dumps({"from_fold": None}))
        start = time.time()
        log(f"  final encoder: fine-tuning on all {len(dd.texts)} answers")
        model = fine_tune(dd.texts, dd.y, **encoder_hp, log=log)
        import torch

        torch.save(model.state_dict(), work / "final_fp32.pt")  # for later export or quantisation trials
        export_onnx(model, path)
        # what fusion + int8 changed: the shipped file against the torch model it came from
        sample = dd.texts[::max(1, len(dd.texts) // 600)]
        fp32, int8 = predict_torch(model, sample), onnx_logits(path, sample)
        (work / "final_parity.json").write_text(json.dumps({
            "n_texts": len(sample), "same_top_label": round(float(np.mean(fp32.argmax(1) == int8.argmax(1))), 4),
            "max_abs_logit_diff": round(float(np.abs(fp32 - int8).max()), 4)}))
        log(f"  final encoder written ({path.stat().st_size / 1e6:.1f} MB, {time.time() - start:.0f}s)")
    shutil.copyfile(base_model_dir() / TOKENIZER_FILE, work / TOKENIZER_FILE)
    return path


def stage_essay_features(work: Path, data_dir, log, smoke: bool = False) -> None:
    from library.text.encoder import WordsEncoder

    path = work / "essay_features.npz"
    if path.exists():
        return
    texts, labels = training_essays(data_dir, smoke)
    start = time.time()
    enc = WordsEncoder(work / ONNX_FILE, work / TOKENIZER_FILE, threads=2)
    feats = np.zeros((len(texts), 384), np.float32)
    logits = np.zeros((len(texts), len(ISEAR_LABELS)), np.float32)
    for i, text in enumerate(texts):
        e = enc.encode(text)
        feats[i] = e.embedding
        logits[i] = np.average(e.logits, axis=0, weights=e.n_tokens)
        if i % 200 == 0:
            log(f"  essays encoded: {i}/{len(texts)} ({time.time() - start:.0f}s)")
    _save(path, features=feats, window_logits_mean=logits, labels=labels)
    log(f"  essay features: {len(texts)} essays in {time.time() - start:.0f}s")
