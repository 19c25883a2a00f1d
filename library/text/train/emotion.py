"""Train the v1 text emotion model (ISEAR: TF-IDF vs a word CNN) and write its card.

    python -m library.text.train --v1 emotion [--data-dir D] [--out tmp/text-tfidf] [--smoke] [--no-neural]

The shipped model is words v2 (``python -m library.text.train``), which reuses this
module's ``build_baseline`` as its TF-IDF part; this trainer stays as the v1 comparison and
writes under tmp/ by default so it never replaces the shipped files.

Steps: load and clean ISEAR -> grouped, stratified 5-fold CV of the TF-IDF baseline and of
the word CNN on the same folds -> ship the one with the higher mean macro-F1, refitted on all
texts -> save emotion.joblib, emotion.json (metadata + every CV figure), emotion.md (card)
and emotion_confusion.png.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shlex
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from library.text.emotion.data import CV_FOLDS, CV_SEED, IsearData, cv_splits, load_isear
from library.text.emotion.evaluate import cross_validate
from library.text.emotion.model import EXTRA_LABELS, ISEAR_LABELS, TO_EMOTIONS, TextEmotionModel
from library.text.train.personality import LEGACY_OUT

BASELINE = "tfidf_word_char_lr"
NEURAL = "word_cnn"
DESCRIPTIONS = {
    BASELINE: ("word 1-2-gram (min_df 2) + char_wb 2-5-gram (min_df 2) TF-IDF, sublinear tf, on "
               "normalised text (artefacts, lower case, contractions expanded; stop words kept: "
               "\"not\" matters here) + multinomial logistic regression (C=1)"),
    NEURAL: ("Keras 3/torch word CNN: embeddings (100-d, learnt on the training fold, words seen "
             "≥ 2 times) -> Conv1D k3/4/5 × 64 filters -> global max-pool -> dropout 0.5 -> "
             "softmax; Adam 1e-3, batch 32, ≤ 20 epochs, early stopping (patience 2) on a 10% "
             "inner split by distinct text, float32"),
}
SMOKE_ROWS = 350


def build_baseline():
    """A fresh, unfitted TF-IDF + logistic regression pipeline (raw texts in, ISEAR labels out)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    from library.text.preprocess import normalise

    # Both vectorisers normalise the same way the personality model does (preprocess.py);
    # char n-grams within words catch spelling variants and word stems of short answers.
    words = TfidfVectorizer(preprocessor=normalise, token_pattern=r"[a-z]+", ngram_range=(1, 2),
                            min_df=2, sublinear_tf=True, dtype=np.float32)
    chars = TfidfVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=(2, 5),
                            min_df=2, sublinear_tf=True, dtype=np.float32)
    return Pipeline([("features", FeatureUnion([("words", words), ("chars", chars)])),
                     ("clf", LogisticRegression(C=1.0, max_iter=2000))])


def build_neural(seed: int = 0, smoke: bool = False):
    from library.text.emotion.neural import WordCNN

    if smoke:  # a tiny net for 2 epochs: checks the plumbing, not the figures
        return WordCNN(embed_dim=16, filters=8, epochs=2, seed=seed)
    return WordCNN(seed=seed)


def data_summary(data: IsearData) -> dict:
    sizes = Counter(data.groups.tolist())
    shared = [g for g, n in sizes.items() if n > 1]
    conflicting = sum(1 for g in shared if len(set(data.labels[data.groups == g])) > 1)
    return {"n_raw": data.n_raw, "n_dropped": len(data.dropped), "n_used": len(data.texts),
            "per_label": {label: int((data.labels == label).sum()) for label in ISEAR_LABELS},
            "n_groups": len(sizes), "n_duplicate_rows": int(sum(sizes[g] for g in shared)),
            "n_conflicting_groups": conflicting}


def _timings(path: Path, text: str, repeats: int = 20) -> tuple[float, float]:
    """(seconds to load the saved file, median ms to score one text)."""
    start = time.perf_counter()
    model = TextEmotionModel.load(path)
    load_seconds = time.perf_counter() - start
    model.predict_proba(text)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(text)
        times.append(time.perf_counter() - start)
    return load_seconds, 1000 * float(np.median(times))


def _smoke_subset(data: IsearData) -> IsearData:
    keep = np.sort(np.random.default_rng(0).permutation(len(data.texts))[:SMOKE_ROWS])
    return IsearData(texts=[data.texts[i] for i in keep], labels=data.labels[keep],
                     groups=data.groups[keep], n_raw=data.n_raw, dropped=data.dropped)


def train(data_dir=None, out: Path = LEGACY_OUT, smoke: bool = False, neural: bool = True,
          seed: int = 0, command: str = "python -m library.text.train --v1 emotion", log=print) -> dict:
    started = time.time()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_isear(data_dir)
    if smoke:  # a fixed small subset so CI finishes in seconds
        data = _smoke_subset(data)
    texts, labels = data.texts, data.labels
    n_folds = 2 if smoke else CV_FOLDS
    splits = cv_splits(labels, data.groups, n_splits=n_folds, seed=CV_SEED)
    protocol = (f"{n_folds}-fold StratifiedGroupKFold (shuffle, random_state={CV_SEED}): stratified by "
                f"emotion, grouped by text (lower-cased letters only), so a duplicated answer never sits "
                f"in both a training and a test fold; accuracy and macro-F1 over the 7 ISEAR labels; "
                f"± = std over folds")
    log(f"{len(texts)} texts ({len(data.dropped)} non-answers dropped), {n_folds} grouped folds")

    builders = {BASELINE: build_baseline}
    if neural:
        builders[NEURAL] = lambda: build_neural(seed, smoke)
    cv = {}
    for name, build in builders.items():
        log(f"== {name}")
        cv[name] = cross_validate(build, texts, labels, splits, log=log)
        log(f"   accuracy {cv[name]['accuracy']['mean']:.4f}  macro-F1 {cv[name]['macro_f1']['mean']:.4f}"
            f"  ({cv[name]['seconds']:.0f}s)")
    shipped = max(cv, key=lambda name: cv[name]["macro_f1"]["mean"])

    log(f"refit {shipped} on all {len(texts)} texts")
    estimator = builders[shipped]().fit(texts, labels)
    date = _dt.date.today().isoformat()
    model = TextEmotionModel(estimator, info={
        "model": shipped, "description": DESCRIPTIONS[shipped], "trained_on": f"{len(texts)} ISEAR texts (all)",
        "date": date, "smoke": smoke, "cv_macro_f1": cv[shipped]["macro_f1"]["mean"],
        "cv_accuracy": cv[shipped]["accuracy"]["mean"],
    })
    model_path = model.save(out)
    sample = min(texts, key=lambda t: abs(len(t.split()) - 20))
    load_seconds, latency = _timings(model_path, sample)

    from library.text.emotion.card import write_card, write_confusion_png

    summary = data_summary(data)
    write_confusion_png(out / "emotion_confusion.png", cv[shipped],
                        f"{shipped}: pooled out-of-fold predictions ({n_folds}-fold grouped CV)")
    card = write_card(out / "emotion.md", shipped=shipped, descriptions=DESCRIPTIONS, cv=cv,
                      protocol=protocol, data=summary, command=command, date=date,
                      model_bytes=model_path.stat().st_size, load_seconds=load_seconds,
                      latency_ms=latency, train_seconds=time.time() - started, smoke=smoke)
    metadata = {
        "model": shipped, "description": DESCRIPTIONS[shipped], "date": date, "smoke": smoke,
        "command": command, "labels": list(ISEAR_LABELS), "to_emotions": TO_EMOTIONS,
        "extra_labels": list(EXTRA_LABELS), "renormalised": False, "data": summary,
        "protocol": protocol, "descriptions": DESCRIPTIONS, "cv": cv,
        "model_bytes": model_path.stat().st_size, "load_seconds": round(load_seconds, 3),
        "latency_ms": round(latency, 2),
    }
    (out / "emotion.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False))
    log(f"wrote {model_path} ({model_path.stat().st_size / 1e6:.1f} MB, loads in {load_seconds:.2f} s), "
        f"{card}; one-text latency {latency:.1f} ms")
    return {"model_path": model_path, "shipped": shipped, "cv": cv}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="data folder (default: ESAPR_DATA_DIR or ../shared/data)")
    parser.add_argument("--out", default=str(LEGACY_OUT), help="output folder for model and card")
    parser.add_argument("--smoke", action="store_true", help=f"tiny run on {SMOKE_ROWS} texts, 2 folds (CI)")
    parser.add_argument("--no-neural", action="store_true", help="skip the word CNN (baseline only)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch and BLAS threads (default 1: the machine is shared; see docs/decisions.md)")
    args = parser.parse_args(argv)
    command = "python -m library.text.train --v1 emotion " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    from threadpoolctl import threadpool_limits

    torch = None
    if not args.no_neural:
        import torch

        previous = torch.get_num_threads()
        torch.set_num_threads(args.threads)
    try:  # thread limits are process-wide: restore them for a caller (e.g. a test session)
        with threadpool_limits(args.threads):
            train(args.data_dir, Path(args.out), smoke=args.smoke, neural=not args.no_neural,
                  command=command.strip(), log=lambda s: print(s, flush=True))
    finally:
        if torch is not None:
            torch.set_num_threads(previous)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
