"""Words v2, the evaluate step (``evaluate``: compare, calibrate, choose, refit the linear parts) and the
writing of the models, their figures and cards (``write``).

Cheap (a few minutes): everything slow was done and checkpointed by words.py. Decisions
taken here, all on out-of-fold (OOF) predictions of the same 5 grouped folds; the thresholds below are
the defaults in words_hparams.json:

- Emotion: TF-IDF, encoder, or their equal-weight ensemble (sum of log-probabilities; the
  weights are fixed, not tuned) -> the highest mean CV accuracy ships. Its temperature is
  fitted on all OOF scores; the ECE reported "after temperature" is cross-fitted (each
  fold's temperature fitted on the other four folds' OOF scores) so it is not flattered.
- Unclear: a calibrated top probability below 0.5 means the reading is more likely wrong
  than right; the page then says "unclear". Coverage and accuracy on each side are measured.
- Neutral: out-of-distribution rule on the encoder's max logit; threshold at the 5th
  percentile of ISEAR's OOF scores (so 5% of real emotional answers would be called neutral),
  detection measured on plain expository passages (neutral.py) with every fold's model.
  Shipped only if it catches at least half of them; otherwise the page says it cannot.
- Personality: per trait, TF-IDF (the model shipped before), encoder embedding + LR, or
  their average, by 5-fold CV on the training part of the fixed hold-out split; the
  hold-out fifth is scored once, for the card.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from library.text.emotion.calibration import ece, fit_temperature, nll, reliability, softmax
from library.text.emotion.model import ISEAR_LABELS
from library.text.encoder import ONNX_FILE, TOKENIZER_FILE
from library.text.train.essays import training_essays

CANDIDATES = ("tfidf", "encoder", "ensemble")
WEIGHTS = {"tfidf": (1.0, 0.0), "encoder": (0.0, 1.0), "ensemble": (0.5, 0.5)}


def _log_softmax(z):
    return np.log(np.clip(softmax(z), 1e-9, None))


def load_oof(work: Path, splits, n: int) -> dict:
    """OOF arrays in dataset order: TF-IDF log-proba, encoder logits (int8 and fp32), fold of each row."""
    out = {"tfidf": np.zeros((n, 7)), "enc": np.zeros((n, 7)), "enc_fp32": np.zeros((n, 7)),
           "fold": np.full(n, -1)}
    for k in range(len(splits)):
        t = np.load(work / f"isear_tfidf_fold{k}.npz")
        out["tfidf"][t["test"]] = np.log(np.clip(t["proba"], 1e-9, None))
        e = np.load(work / f"isear_encoder_fold{k}.npz")
        out["enc"][e["test"]], out["enc_fp32"][e["test"]] = e["logits"], e["logits_fp32"]
        out["fold"][e["test"]] = k
    return out


def candidate_scores(oof: dict, name: str, encoder_key: str = "enc") -> np.ndarray:
    wt, we = WEIGHTS[name]
    return wt * oof["tfidf"] + we * _log_softmax(oof[encoder_key])


def evaluate_candidate(scores: np.ndarray, y: np.ndarray, fold: np.ndarray) -> dict:
    """CV figures of one candidate: per-fold accuracy/macro-F1 and per class (emotion/evaluate.py),
    ECE and log loss before and after temperature (cross-fitted), the shipped temperature."""
    from library.text.emotion.evaluate import fold_scores, summarise

    labels = np.asarray(ISEAR_LABELS)
    folds = [fold_scores(labels[y[fold == k]], labels[scores[fold == k].argmax(1)]) for k in np.unique(fold)]
    result = summarise(folds, labels[y], labels[scores.argmax(1)])
    crossfit = np.zeros_like(scores)
    temps = []
    for k in np.unique(fold):
        t = fit_temperature(scores[fold != k], y[fold != k])
        temps.append(t)
        crossfit[fold == k] = softmax(scores[fold == k], t)
    raw = softmax(scores)
    t_all = fit_temperature(scores, y)
    result.update({
        "ece_raw": round(ece(raw, y), 4), "ece_calibrated": round(ece(crossfit, y), 4),
        "nll_raw": round(nll(scores, y), 4),
        "nll_calibrated": round(float(-np.mean(np.log(np.clip(crossfit[np.arange(len(y)), y], 1e-12, None)))), 4),
        "temperature": round(t_all, 4), "fold_temperatures": [round(t, 4) for t in temps],
        "reliability_raw": reliability(raw, y), "reliability_calibrated": reliability(crossfit, y),
    })
    result["_calibrated"] = crossfit
    return result


def unclear_figures(proba: np.ndarray, y: np.ndarray, below: float) -> dict:
    conf, right = proba.max(1), proba.argmax(1) == y
    sure = conf >= below
    return {"threshold": below, "share_unclear": round(float(1 - sure.mean()), 4),
            "accuracy_when_named": round(float(right[sure].mean()), 4) if sure.any() else None,
            "accuracy_when_unclear": round(float(right[~sure].mean()), 4) if (~sure).any() else None}


def neutral_rule(dd, splits, oof: dict, work: Path, emotion_hp: dict, log, smoke: bool = False) -> dict:
    """Max-logit OOD rule: threshold from ISEAR OOF (the ``neutral_false_rate`` quantile), catch rate on neutral
    passages scored by every fold's encoder (the same models that gave the OOF logits). ``neutral_false_rate``
    is the share of ISEAR answers the rule may call neutral; it ships if it catches ``neutral_min_catch``."""
    from library.text.train.neutral import neutral_passages
    from library.text.train.finetune import onnx_logits

    passages = neutral_passages(limit=60 if smoke else 400)
    score = oof["enc"].max(1)
    false_rate = emotion_hp["neutral_false_rate"]
    threshold = float(np.quantile(score, false_rate))
    catches, auc = [], []
    from sklearn.metrics import roc_auc_score

    for k in range(len(splits)):
        neutral_score = onnx_logits(work / f"isear_encoder_fold{k}.int8.onnx", passages).max(1)
        fold_score = score[oof["fold"] == k]
        catches.append(float((neutral_score < threshold).mean()))
        auc.append(float(roc_auc_score(np.r_[np.zeros(len(fold_score)), np.ones(len(neutral_score))],
                                       -np.r_[fold_score, neutral_score])))
    catch = float(np.mean(catches))
    log(f"  neutral rule: max logit < {threshold:.3f} catches {catch:.3f} of {len(passages)} passages "
        f"(AUROC {np.mean(auc):.3f}); {false_rate:.0%} of ISEAR answers by construction")
    return {"score": "encoder max logit", "threshold": round(threshold, 4), "n_passages": len(passages),
            "isear_false_neutral": false_rate, "catch_rate": round(catch, 4),
            "catch_rate_per_fold": [round(c, 4) for c in catches], "auroc": round(float(np.mean(auc)), 4),
            "shipped": catch >= emotion_hp["neutral_min_catch"], "source": "Python standard-library docstrings (neutral.py)"}


def personality(work: Path, data_dir, personality_hp: dict, log, smoke: bool = False) -> dict:
    """Per-trait comparison TF-IDF / encoder / both on the same folds; the fitted PersonalityBlend."""
    from library.text.personality.blend import PersonalityBlend
    from library.text.personality.data import CV_FOLDS, CV_SEED, cv_splits, holdout_split
    from library.text.personality.evaluate import _pre_normalise
    from library.text.personality.pipelines import build_pipeline
    from library.text.personality.traits import TRAITS
    from library.text.train.personality import SHIPPED_MODEL

    feats = np.load(work / "essay_features.npz")
    x, labels = feats["features"].astype(np.float64), feats["labels"]
    texts, all_labels = training_essays(data_dir, smoke)
    assert (all_labels == labels).all(), "essay features do not match the essays"
    cache: dict = {}

    def tfidf_proba(train, test):
        model, xs = _pre_normalise(build_pipeline(SHIPPED_MODEL), texts, cache)
        model.fit([xs[i] for i in train], labels[train])
        return np.stack([p[:, 1] for p in model.predict_proba([xs[i] for i in test])], axis=1)

    def encoder_proba(train, test):
        heads = [encoder_head(personality_hp).fit(x[train], labels[train, j]) for j in range(len(TRAITS))]
        return np.stack([h.predict_proba(x[test])[:, 1] for h in heads], axis=1)

    train_idx, val_idx = holdout_split(labels)
    folds = cv_splits(labels[train_idx], n_splits=2 if smoke else CV_FOLDS, seed=CV_SEED)
    acc = {c: [] for c in ("tfidf", "encoder", "both")}
    for k, (tr, te) in enumerate(folds):
        tr, te = train_idx[tr], train_idx[te]
        pt, pe = tfidf_proba(tr, te), encoder_proba(tr, te)
        for name, p in (("tfidf", pt), ("encoder", pe), ("both", (pt + pe) / 2)):
            acc[name].append(((p >= 0.5) == labels[te]).mean(0))
        log(f"  essays fold {k + 1}/{len(folds)}: " + ", ".join(f"{n} {np.mean(a[-1]):.3f}" for n, a in acc.items()))
    cv = {name: np.array(a) for name, a in acc.items()}
    choice = tuple(max(cv, key=lambda name: cv[name][:, j].mean()) for j in range(len(TRAITS)))
    pt, pe = tfidf_proba(train_idx, val_idx), encoder_proba(train_idx, val_idx)
    val = {"tfidf": pt, "encoder": pe, "both": (pt + pe) / 2}
    val_acc = {name: ((p >= 0.5) == labels[val_idx]).mean(0) for name, p in val.items()}
    chosen_val = np.array([val_acc[c][j] for j, c in enumerate(choice)])
    log(f"  personality choice per trait: {dict(zip(TRAITS, choice))}")

    tfidf = build_pipeline(SHIPPED_MODEL).fit(texts, labels)
    heads = [encoder_head(personality_hp).fit(x, labels[:, j]) for j in range(len(TRAITS))]
    figures = {
        "protocol": (f"{len(folds)}-fold stratified CV (seed {CV_SEED}) on the training part "
                     f"({len(train_idx)} essays) of the fixed hold-out split; hold-out fifth ({len(val_idx)}) "
                     f"scored once with models fitted on the training part"),
        "cv": {name: {t: {"mean": round(float(a[:, j].mean()), 4), "std": round(float(a[:, j].std()), 4)}
                      for j, t in enumerate(TRAITS)} | {"mean": round(float(a.mean()), 4)}
               for name, a in cv.items()},
        "choice": dict(zip(TRAITS, choice)),
        "cv_chosen": {t: round(float(cv[c][:, j].mean()), 4) for j, (t, c) in enumerate(zip(TRAITS, choice))},
        "validation": {name: {t: round(float(a[j]), 4) for j, t in enumerate(TRAITS)} | {"mean": round(float(a.mean()), 4)}
                       for name, a in val_acc.items()},
        "validation_chosen": {t: round(float(a), 4) for t, a in zip(TRAITS, chosen_val)} | {"mean": round(float(chosen_val.mean()), 4)},
        "n_essays": len(texts),
    }
    figures["cv_chosen"]["mean"] = round(float(np.mean(list(figures["cv_chosen"].values()))), 4)
    return {"estimator": PersonalityBlend(tfidf, heads, choice), "figures": figures}


def encoder_head(personality_hp: dict):
    """Standardised 384-d embedding -> logistic regression, C by inner CV (a coarse grid)."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegressionCV(Cs=list(personality_hp["encoder_head_c"]),
                                                                cv=personality_hp["encoder_head_folds"], max_iter=2000))


@dataclass
class Shipped:
    """What the evaluation chose, fitted and ready to write: the two estimators, their infos and the figures."""
    emotion: object  # EmotionBlend
    emotion_info: dict
    personality: object  # PersonalityBlend
    personality_info: dict
    figures: dict


def evaluate(dd, splits, work: Path, hp: dict, data_dir=None, smoke: bool = False, command: str = "",
             log=print) -> Shipped:
    """Compare, calibrate and choose on the out-of-fold predictions; refit the linear parts."""
    from library.text.emotion.blend import EmotionBlend
    from library.text.train.emotion import build_baseline

    y, n = dd.y, len(dd.texts)
    oof = load_oof(work, splits, n)
    results = {name: evaluate_candidate(candidate_scores(oof, name), y, oof["fold"]) for name in CANDIDATES}
    for name, r in results.items():
        log(f"  {name}: accuracy {r['accuracy']['mean']:.4f} macro-F1 {r['macro_f1']['mean']:.4f} "
            f"ECE {r['ece_raw']:.4f} -> {r['ece_calibrated']:.4f} (T={r['temperature']:.3f})")
    shipped = max(CANDIDATES, key=lambda c: (results[c]["accuracy"]["mean"], results[c]["macro_f1"]["mean"]))
    fp32_acc = float(np.mean(candidate_scores(oof, shipped, "enc_fp32").argmax(1) == y))
    calibrated = {name: r.pop("_calibrated") for name, r in results.items()}[shipped]
    emotion_hp = hp["emotion"]
    unclear = unclear_figures(calibrated, y, emotion_hp["unclear_below"])
    neutral = neutral_rule(dd, splits, oof, work, emotion_hp, log, smoke)

    wt, we = WEIGHTS[shipped]
    source = json.loads((work / "final_source.json").read_text()) if (work / "final_source.json").exists() else {}
    from_fold = source.get("from_fold")
    if from_fold is None:
        tfidf = build_baseline().fit(dd.texts, np.asarray(ISEAR_LABELS)[y])
        trained_on = f"{n} ISEAR answers (deduplicated, all)"
    else:  # the validated fold model, both parts from the same fold
        import joblib

        tfidf = joblib.load(work / f"isear_tfidf_fold{from_fold}.joblib")
        trained_on = f"{len(splits[from_fold][0])} ISEAR answers (fold {from_fold + 1}'s training part, 4/5)"
    blend = EmotionBlend(tfidf, wt, we, results[shipped]["temperature"])
    date = _dt.date.today().isoformat()
    emotion_info = {
        "model": f"words_v2_{shipped}", "date": date, "smoke": smoke, "trained_on": trained_on,
        "cv_accuracy": results[shipped]["accuracy"]["mean"], "cv_macro_f1": results[shipped]["macro_f1"]["mean"],
        "cv_ece": results[shipped]["ece_calibrated"], "unclear_below": emotion_hp["unclear_below"],
        "neutral_rule": {"shipped": neutral["shipped"], "max_logit_below": neutral["threshold"],
                         "catch_rate": neutral["catch_rate"]},
    }
    pers = personality(work, data_dir, hp["personality"], log, smoke)
    pers_info = {"model": "words_v2_per_trait", "date": date, "smoke": smoke,
                 "choice": pers["figures"]["choice"], "cv_mean_accuracy": pers["figures"]["cv_chosen"]["mean"],
                 "validation_mean_accuracy": pers["figures"]["validation_chosen"]["mean"],
                 "trained_on": f"{pers['figures']['n_essays']} essays (all)"}
    # emotion.json keeps the schema the interview reads (library/interview/reliability.py, words.py):
    # "model", "cv"[model]["accuracy"]["mean"], its "confusion" and "labels", "data"["n_used"].
    figures = {"model": shipped, "cv": results, "renormalised": False,
               "labels": list(ISEAR_LABELS), "date": date, "smoke": smoke, "command": command, "data": dd.summary,
               "protocol": "5-fold StratifiedGroupKFold (shuffle, seed 42) by emotion, grouped by text, "
                           "after deduplication; OOF = out of fold",
               "shipped": shipped, "trained_on": trained_on, "final_from_fold": from_fold, "weights": {"tfidf": wt, "encoder": we},
               "shipped_fp32_accuracy": round(fp32_acc, 4),
               "final_parity": (json.loads((work / "final_parity.json").read_text())
                                if (work / "final_parity.json").exists() else None), "unclear": unclear, "neutral": neutral,
               "personality": pers["figures"]}
    return Shipped(blend, emotion_info, pers["estimator"], pers_info, figures)


def write(result: Shipped, work: Path, out: Path, texts: list[str], log=print) -> dict:
    """The model files, their figures (with sizes and speed) and the cards, into ``out``."""
    from library.text.emotion.model import TextEmotionModel
    from library.text.personality.model import PersonalityModel
    from library.text.train.card import write_cards

    out.mkdir(parents=True, exist_ok=True)
    for name in (ONNX_FILE, TOKENIZER_FILE):
        shutil.copyfile(work / name, out / name)
    emotion_path = TextEmotionModel(result.emotion, result.emotion_info).save(out)
    pers_path = PersonalityModel(result.personality, result.personality_info).save(out)
    figures = {**result.figures,
               "sizes": {"encoder_bytes": (out / ONNX_FILE).stat().st_size, "emotion_bytes": emotion_path.stat().st_size,
                         "personality_bytes": pers_path.stat().st_size}}
    figures["speed"] = measure_speed(out, texts)
    (out / "emotion.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    (out / "personality.json").write_text(json.dumps({"model": result.personality_info["model"],
                                                      **figures["personality"]}, indent=2))
    write_cards(out, figures)
    log(f"shipped {figures['shipped']} + personality {figures['personality']['choice']} to {out}")
    return figures


def measure_speed(out: Path, texts: list[str]) -> dict:
    """Median ms on one thread: a ~40-word answer (emotion) and a ~650-word essay (traits + emotion)."""
    from library.text.emotion.model import TextEmotionModel
    from library.text.encoder import WordsEncoder
    from library.text.personality.model import PersonalityModel

    emotion, pers = TextEmotionModel.load(out), PersonalityModel.load(out)
    # a private one-thread encoder (the shared one may cache): measure cold encodes
    enc = WordsEncoder.load(out)
    for est in (emotion.estimator, pers.estimator):
        est.attach(out, enc)
    answer = " ".join(min(texts, key=lambda t: abs(len(t.split()) - 40)).split()[:40])
    essay = " ".join((" ".join(texts[:200])).split()[:650])

    def timed(fn, repeats=15):
        fn()
        ts = []
        for _ in range(repeats):
            enc._recent.clear()
            t = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t)
        return round(1000 * float(np.median(ts)), 1)

    return {"answer_40_words_emotion_ms": timed(lambda: emotion.predict_proba(answer)),
            "essay_650_words_traits_and_emotion_ms": timed(lambda: (pers.predict_proba([essay]),
                                                                    emotion.predict_proba(essay)))}
