"""Train the TF-IDF-only personality model (v1) and write its model card.

    python -m library.text.train --v1 personality [--data-dir D] [--out tmp/text-tfidf] [--smoke] [--compare]

The shipped personality model is words v2 (``python -m library.text.train``: per trait,
this TF-IDF model, the encoder's embedding, or both); this trainer writes under tmp/ by default.

Steps: (optional) CV comparison of all models -> CV of the shipped model on the training
part of the fixed hold-out split -> fit on that part and score the validation part ->
refit on all essays -> save model, card, confusion figures.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from library.paths import PROJECT_ROOT

# Words v2 (train/recipe.py) ships Models/text; this TF-IDF-only trainer writes beside it, not over it.
LEGACY_OUT = PROJECT_ROOT / "tmp" / "text-tfidf"
from library.text.personality.data import CV_FOLDS, CV_SEED, cv_splits, holdout_split, load_essays
from library.text.personality.evaluate import confusion_counts, cross_validate, proba_matrix, trait_accuracies
from library.text.personality.model import PersonalityModel
from library.text.personality.pipelines import MODEL_NAMES, build_pipeline
from library.text.personality.traits import TRAITS

# Chosen by the CV comparison (Models/text/cv_comparison.json, docs/decisions.md).
SHIPPED_MODEL = "tfidf_content_lemma_lr"
DESCRIPTIONS = {
    "tfidf_lr": "unigram TF-IDF (min_df 2, sublinear tf) + logistic regression (C=1) per trait",
    "tfidf_lemma_lr": "lemmatised unigram TF-IDF + logistic regression (C=1) per trait",
    "tfidf_content_lr": "content-word (stop words dropped) unigram TF-IDF + logistic regression (C=1) per trait",
    "tfidf_content_lemma_lr": ("lemmatised content-word unigram TF-IDF (stop words dropped, min_df 2, "
                               "sublinear tf) + logistic regression (C=1) per trait"),
    "word_char_lr": "word 1-2-gram + char 2-5-gram TF-IDF + logistic regression (C=1) per trait",
    "tfidf_lrcv": "unigram TF-IDF + logistic regression with C per trait by inner 5-fold CV",
    "w2v_mean_lrcv": "mean Word2Vec (300-d, fit on training texts) + logistic regression, C by inner CV",
}
NEURAL_DESCRIPTION = ("seed design in Keras 3/torch: Word2Vec 300-d (fit on the training fold) -> "
                      "3 x Conv1D(128/256/512, k8)+MaxPool+SpatialDropout+BatchNorm -> 3 x LSTM(180) "
                      "-> Dense 128 -> 5 sigmoids")
SMOKE_ESSAYS = 200


def fit_and_validate(texts: list[str], labels: np.ndarray, model_name: str = SHIPPED_MODEL,
                     seed: int = 0) -> tuple[object, dict]:
    """Fit on the training part of the fixed hold-out split; score the validation part."""
    train, val = holdout_split(labels)
    estimator = build_pipeline(model_name, seed)
    estimator.fit([texts[i] for i in train], labels[train])
    proba = proba_matrix(estimator, [texts[i] for i in val])
    acc = trait_accuracies(labels[val], proba)
    validation = {
        "n_train": len(train), "n_val": len(val),
        "accuracy": {t: round(float(a), 4) for t, a in zip(TRAITS, acc)},
        "mean_accuracy": round(float(acc.mean()), 4),
        "confusion": confusion_counts(labels[val], proba),
    }
    return estimator, validation


def _latency_ms(model: PersonalityModel, text: str, repeats: int = 20) -> float:
    model.predict_proba([text])  # warm-up (lemmatiser cache, first-call allocations)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba([text])
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def train(data_dir=None, out: Path = LEGACY_OUT, model_name: str = SHIPPED_MODEL,
          smoke: bool = False, compare: bool = False, neural_epochs: int = 8,
          command: str = "python -m library.text.train --v1 personality", log=print) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    texts, labels = load_essays(data_dir)
    if smoke:  # a fixed small subset so CI finishes in seconds
        keep = np.random.default_rng(0).permutation(len(texts))[:SMOKE_ESSAYS]
        texts, labels = [texts[i] for i in keep], labels[keep]

    comparison_file = out / "cv_comparison.json"
    if compare:
        from library.text.train.compare import run_comparison

        models = MODEL_NAMES[:2] if smoke else MODEL_NAMES
        run_comparison(texts, labels, comparison_file, models=models, neural=not smoke,
                       neural_epochs=neural_epochs, log=log)
    comparison = json.loads(comparison_file.read_text()) if comparison_file.is_file() else None

    # CV of the shipped model on the training part (same folds as the comparison).
    train_idx, _ = holdout_split(labels)
    train_texts = [texts[i] for i in train_idx]
    folds = cv_splits(labels[train_idx], n_splits=2 if smoke else CV_FOLDS, seed=CV_SEED)
    log(f"CV of {model_name} on {len(train_idx)} training essays")
    cv = cross_validate(lambda: build_pipeline(model_name), train_texts, labels[train_idx], folds,
                        cache={}, log=log)
    cv["protocol"] = f"{len(folds)}-fold stratified CV, seed {CV_SEED}, on the training part"

    log("fit on the training part, score the validation part")
    _, validation = fit_and_validate(texts, labels, model_name)
    log(f"validation mean accuracy {validation['mean_accuracy']:.3f}: {validation['accuracy']}")

    log(f"refit on all {len(texts)} essays")
    estimator = build_pipeline(model_name).fit(texts, labels)
    date = _dt.date.today().isoformat()
    model = PersonalityModel(estimator, info={
        "model": model_name, "description": DESCRIPTIONS.get(model_name, model_name),
        "trained_on": f"{len(texts)} essays (all)", "date": date, "smoke": smoke,
        "validation_mean_accuracy": validation["mean_accuracy"], "cv_mean_accuracy": cv["mean"],
    })
    model_path = model.save(out)
    latency = _latency_ms(PersonalityModel.load(model_path), texts[int(np.argmin(
        [abs(len(t.split()) - 650) for t in texts]))])

    from library.text.personality.card import write_card, write_confusion

    write_confusion(out, validation)
    card = write_card(out, model_name=model_name, description=DESCRIPTIONS.get(model_name, model_name),
                      command=command, date=date, n_total=len(texts), n_train=validation["n_train"],
                      n_val=validation["n_val"], cv=cv, comparison=comparison, validation=validation,
                      model_bytes=model_path.stat().st_size, latency_ms=latency, smoke=smoke,
                      descriptions={**DESCRIPTIONS, "w2v_conv_lstm": NEURAL_DESCRIPTION})
    (out / "validation.json").write_text(json.dumps({"model": model_name, "cv": cv,
                                                     "validation": validation}, indent=2))
    log(f"wrote {model_path} ({model_path.stat().st_size / 1e6:.1f} MB), {card}; "
        f"one-essay latency {latency:.1f} ms")
    return {"model_path": model_path, "cv": cv, "validation": validation, "latency_ms": latency}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="data folder (default: ESAPR_DATA_DIR or ../shared/data)")
    parser.add_argument("--out", default=str(LEGACY_OUT), help="output folder for model and card")
    parser.add_argument("--model", default=SHIPPED_MODEL, choices=MODEL_NAMES)
    parser.add_argument("--smoke", action="store_true", help=f"tiny run on {SMOKE_ESSAYS} essays (CI)")
    parser.add_argument("--compare", action="store_true", help="run the full CV comparison first (slow: neural model)")
    parser.add_argument("--neural-epochs", type=int, default=8)
    args = parser.parse_args(argv)
    command = "python -m library.text.train --v1 personality " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    train(args.data_dir, Path(args.out), args.model, args.smoke, args.compare, args.neural_epochs,
          command=command.strip(), log=lambda s: print(s, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
