"""How fusion behaves on real held-out predictions (figures for the closing note and docs).

    python -m library.interview.train.check_fusion [--data-dir D] [--pairs-per-clip 5]

There is no data set with the same person's face, voice and words, so this pairs what we
have: every clip of the four speech corpora scored out of fold by the shipped voice recipe
(grouped by speaker, so no clip is read by a head that heard its voice), with ISEAR answers of the SAME true emotion scored out of fold (5-fold
grouped CV of the shipped text recipe, so no text is scored by a model that saw it). Only the
five emotions both channels can name take part. It prints single-channel and fused accuracy,
and fused accuracy split by the fusion's own coherence and confidence words, with the
channel weights the app uses (``load_reliability``). Pairing is at random (seeded): a
sanity check of the rule, not a claim about real people whose channels may disagree.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from library.emotions import EMOTIONS
from library.interview.fusion import fuse
from library.interview.reliability import load_reliability, reliability_scores
from library.paths import default_data_dir

SHARED = ("angry", "disgust", "fear", "happy", "sad")


def voice_predictions(data_dir) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold (by speaker) voice probabilities of the shipped recipe over all four corpora."""
    import json

    from library.audio.model import DEFAULT_DIR, META_FILE
    from library.audio.train.__main__ import load_corpus
    from library.audio.train.evaluate import speaker_folds
    from library.audio.train.heads import HeadConfig
    from library.audio.train.prepare import DEFAULT_CACHE, prepare
    from library.audio.train.recipe import run_recipe

    meta = json.loads((DEFAULT_DIR / META_FILE).read_text())
    copies = int(meta.get("train_copies", 1))
    prepare(data_dir, DEFAULT_CACHE, max(copies, 1), threads=2)  # cached: a no-op after training
    data = load_corpus(DEFAULT_CACHE, max(copies, 1))
    folds = speaker_folds(data.speakers)
    cfg = HeadConfig(**meta["head"])
    result = run_recipe(data, folds, cfg, copies, float(meta["window_s"]), fit_final=False)
    keep = np.array([EMOTIONS[v] in SHARED for v in data.y])
    return result.oof_proba[keep], data.y[keep]


def text_predictions(data_dir) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold (N, 7) EMOTIONS-order probabilities (not renormalised, like the app) and labels."""
    from library.text.emotion import ISEAR_LABELS, TO_EMOTIONS
    from library.text.emotion.data import cv_splits, load_isear
    from library.text.train.emotion import build_baseline

    data = load_isear(data_dir)
    isear = np.zeros((len(data.texts), len(ISEAR_LABELS)))
    for train, test in cv_splits(data.labels, data.groups):
        model = build_baseline().fit([data.texts[i] for i in train], data.labels[train])
        cols = [list(model.classes_).index(lab) for lab in ISEAR_LABELS]
        isear[test] = model.predict_proba([data.texts[i] for i in test])[:, cols]
    keep = np.array([lab in TO_EMOTIONS for lab in data.labels])
    proba = np.zeros((keep.sum(), len(EMOTIONS)))
    for j, lab in enumerate(ISEAR_LABELS):
        if lab in TO_EMOTIONS:
            proba[:, EMOTIONS.index(TO_EMOTIONS[lab])] = isear[keep, j]
    labels = np.array([EMOTIONS.index(TO_EMOTIONS[lab]) for lab in data.labels[keep]])
    return proba, labels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--pairs-per-clip", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    data_dir = a.data_dir or default_data_dir()

    voice_p, voice_y = voice_predictions(data_dir)
    text_p, text_y = text_predictions(data_dir)
    weights = reliability_scores(load_reliability())
    rng = np.random.default_rng(a.seed)
    by_label = {k: np.flatnonzero(text_y == k) for k in set(voice_y.tolist())}

    hits = defaultdict(list)
    for vp, y in zip(voice_p, voice_y):
        for i in rng.choice(by_label[y], size=a.pairs_per_clip, replace=False):
            fused = fuse({"audio": vp, "text": text_p[i]}, weights)
            ok = EMOTIONS.index(fused.dominant) == y
            hits["voice alone"].append(vp.argmax() == y)
            hits["words alone"].append(text_p[i].argmax() == y)
            hits["fused"].append(ok)
            hits[f"fused, coherence {fused.coherence}"].append(ok)
            hits[f"fused, confidence {fused.confidence}"].append(ok)
    n = len(hits["fused"])
    print(f"{len(voice_y)} out-of-fold voice clips (4 corpora) x {a.pairs_per_clip} out-of-fold ISEAR answers "
          f"of the same emotion = {n} pairs over {', '.join(SHARED)}; weights from {weights}")
    for name in sorted(hits, key=lambda k: (not k.startswith(("voice", "words")), k)):
        v = hits[name]
        print(f"  {name:32s} accuracy {np.mean(v):.3f}  ({len(v)} pairs, {100 * len(v) / n:.0f}%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
