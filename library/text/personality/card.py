"""Write the model card (markdown) and the confusion figures for the text model."""

from __future__ import annotations

import json
from pathlib import Path

from library.text.personality.traits import TRAITS

LIMITS = """\
- It was trained on 1,972 stream-of-consciousness essays written by US psychology
  students (the "Essays" corpus, Pennebaker & King 1999) with self-reported, binarised
  (high/low) Big Five labels. Other genres (emails, CVs, social media), other
  populations and non-English text are outside what it has seen.
- Accuracy is modest (about 55-64% per trait where chance is ~50%): treat the output as
  a weak signal for reflection, never as an assessment of a person or for decisions
  about them (hiring, admission, clinical use).
- It reads word usage only (bag of words): no word order, irony, or context.
- Texts under ~50 words are refused by the app; the essays average ~650 words and the
  output gets noisier the shorter the text.
- Probabilities are those of a logistic regression on this corpus; they are not
  calibrated against any population norm, and "high"/"low" follow the corpus median split.
"""


def _fmt_cv(entry: dict) -> str:
    cells = [f"{entry['per_trait'][t]['mean']:.3f} ± {entry['per_trait'][t]['std']:.3f}" for t in TRAITS]
    seconds = f"{entry['seconds']:.0f}" if "seconds" in entry else ""
    return " | ".join(cells) + f" | **{entry['mean']:.3f}** ± {entry['mean_std_over_folds']:.3f} | {seconds}"


def cv_table(models: dict, shipped: str) -> str:
    head = ("| model | " + " | ".join(TRAITS) + " | mean | CV seconds |\n|---|"
            + "---|" * (len(TRAITS) + 2) + "\n")
    rows = []
    for name, entry in models.items():
        label = f"**{name}** (shipped)" if name == shipped else name
        rows.append(f"| {label} | {_fmt_cv(entry)} |")
    return head + "\n".join(rows) + "\n"


def confusion_markdown(validation: dict) -> str:
    lines = ["| trait | accuracy | TN | FP | FN | TP |", "|---|---|---|---|---|---|"]
    for t in TRAITS:
        c = validation["confusion"][t]
        lines.append(f"| {t} | {validation['accuracy'][t]:.3f} | {c['tn']} | {c['fp']} | {c['fn']} | {c['tp']} |")
    lines.append(f"| **mean** | **{validation['mean_accuracy']:.3f}** | | | | |")
    return "\n".join(lines) + "\n"


def write_confusion(out: Path, validation: dict) -> list[Path]:
    """JSON + markdown always; a PNG too when matplotlib is installed (it is optional)."""
    written = [out / "confusion.json", out / "confusion.md"]
    written[0].write_text(json.dumps(validation["confusion"], indent=2))
    written[1].write_text("# Validation confusion counts (positive = high)\n\n" + confusion_markdown(validation))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return written
    fig, axes = plt.subplots(1, len(TRAITS), figsize=(3 * len(TRAITS), 3))
    for ax, t in zip(axes, TRAITS):
        c = validation["confusion"][t]
        m = [[c["tn"], c["fp"]], [c["fn"], c["tp"]]]
        ax.imshow(m, cmap="Blues")
        for i in range(2):
            for j in range(2):
                dark = m[i][j] > (max(map(max, m)) + min(map(min, m))) / 2
                ax.text(j, i, m[i][j], ha="center", va="center", color="white" if dark else "black")
        ax.set_xticks([0, 1], ["low", "high"])
        ax.set_yticks([0, 1], ["low", "high"])
        ax.set_title(t)
        ax.set_xlabel("predicted")
    axes[0].set_ylabel("true")
    fig.tight_layout()
    fig.savefig(out / "confusion.png", dpi=100)
    plt.close(fig)
    return written + [out / "confusion.png"]


def write_card(out: Path, *, model_name: str, description: str, command: str, date: str,
               n_total: int, n_train: int, n_val: int, cv: dict, comparison: dict | None,
               validation: dict, model_bytes: int, latency_ms: float, smoke: bool,
               descriptions: dict | None = None) -> Path:
    models = dict(comparison["models"]) if comparison else {}
    models.setdefault(model_name, cv)
    protocol = (comparison or {}).get("protocol") or cv.get("protocol", "")
    smoke_note = "> **SMOKE RUN** on a small subset: figures below are meaningless.\n\n" if smoke else ""
    n_folds = len(cv.get("folds", [])) or 5
    neural = models.get("w2v_conv_lstm")
    description_note = "".join(f"- `{k}`: {v}\n" for k, v in (descriptions or {}).items() if k in models)
    neural_note = f"Neural model settings: {neural.get('settings', '')}\n" if neural else ""
    text = f"""# Text personality model (Big Five from writing)

{smoke_note}- **Model:** `{model_name}` — {description}
- **File:** `personality.joblib` ({model_bytes / 1e6:.1f} MB), a `PersonalityModel` wrapping a
  scikit-learn pipeline; load with `PersonalityModel.load()`. Needs scikit-learn 1.9.x (pickle).
- **Output:** probability of "high" for {", ".join(TRAITS)} (in that order).
- **Date:** {date}
- **Reproduce:** `{command}` (model, card, confusion figures; about a minute). The model
  comparison below: `python -m library.text.train --v1 personality --compare` (also writes `cv_comparison.json`;
  slow, the neural model dominates).
- **Latency:** {latency_ms:.1f} ms for one ~650-word essay on the build machine (after load).

## Data
Essays corpus, `essays/essays_train.csv` from the data folder: {n_total} essays with binary
(y/n) labels per trait, read in place (nothing copied into the repository). Fixed hold-out
split: {n_train} training / {n_val} validation essays, stratified on the 5-label pattern, seed 0.

## How the shipped file was made
1. Model choice by cross-validation on the training part only: {protocol}.
2. Fitted on the {n_train} training essays and scored on the {n_val} validation essays
   (the figures below).
3. **Refitted on all {n_total} essays** with the same settings; that refit is the shipped file,
   so its own held-out accuracy is not measured here (the project's separate test set judges it).

## Cross-validation (accuracy, mean ± std over {n_folds} folds)
{cv_table(models, model_name)}
Std is over folds (per trait); the mean column's ± is the std of the fold means.
{description_note}{neural_note}

## Validation (hold-out split, model fitted on the training part)
{confusion_markdown(validation)}
Positive = "high". Confusion figures also in `confusion.json` / `confusion.md`
(and `confusion.png` when matplotlib is installed).

## What it cannot do
{LIMITS}"""
    path = out / "personality.md"
    path.write_text(text)
    return path
