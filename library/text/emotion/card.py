"""Write the model card (markdown) and the confusion-matrix figure for the text emotion model."""

from __future__ import annotations

from pathlib import Path

from library.emotions import EMOTIONS
from library.text.emotion.model import EXTRA_LABELS, ISEAR_LABELS, TO_EMOTIONS, UNSEEN_EMOTIONS

LIMITS = """\
- It was trained on ISEAR: short first-person reports, written by students in 37
  countries in the early 1990s (in English here, many by non-native writers), of a
  situation in which they felt one of seven emotions. It recognises the *kind of
  situation* described ("I passed my exam" -> joy), not the tone of a text; other genres
  (chat, reviews, essays) are outside what it has seen.
- **Surprise and neutral are always 0**: ISEAR has neither label. A neutral text still
  gets its mass spread over the seven ISEAR labels; do not read a low maximum as
  "neutral" without testing that on your own data.
- Shame and guilt are returned separately (`predict_extra`); `predict_proba` rows are
  not renormalised and sum to 1 - (shame + guilt). Its argmax ignores shame/guilt: check
  `predict_extra` before reading the top project emotion as the answer.
- {accuracy} Treat the output as a weak signal, never as an assessment of a person or for
  decisions about them.
- Bag of words and characters: no negation scope, irony or context beyond 2-word phrases.
"""


def most_confused(entry: dict, n: int = 3) -> list[tuple[str, str, int]]:
    """The n label pairs mixed up most often (both directions added), most first."""
    labels, m = entry["labels"], entry["confusion"]
    pairs = [(labels[i], labels[j], m[i][j] + m[j][i])
             for i in range(len(labels)) for j in range(i + 1, len(labels))]
    return sorted(pairs, key=lambda p: -p[2])[:n]


def _accuracy_sentence(entry: dict) -> str:
    pairs = ", ".join(f"{a}/{b} ({c})" for a, b, c in most_confused(entry))
    return (f"CV accuracy {entry['accuracy']['mean']:.0%} over seven labels (chance 14%); the pairs "
            f"mixed up most (out-of-fold counts, both ways): {pairs}.")


def _row(label: str, entry: dict) -> str:
    pc = entry["per_class"][label]
    target = TO_EMOTIONS.get(label, "*extra*")
    return (f"| {label} | {target} | {pc['precision']['mean']:.3f} | {pc['recall']['mean']:.3f} | "
            f"{pc['f1']['mean']:.3f} ± {pc['f1']['std']:.3f} |")


def per_class_table(entry: dict) -> str:
    lines = ["| ISEAR label | project emotion | precision | recall | F1 |", "|---|---|---|---|---|"]
    lines += [_row(label, entry) for label in ISEAR_LABELS]
    lines.append(f"| **macro** | | | | **{entry['macro_f1']['mean']:.3f}** ± {entry['macro_f1']['std']:.3f} |")
    return "\n".join(lines) + "\n"


def summary_table(models: dict, shipped: str, descriptions: dict) -> str:
    lines = ["| model | accuracy | macro-F1 | folds (macro-F1) | CV seconds |", "|---|---|---|---|---|"]
    for name, entry in models.items():
        label = f"**{name}** (shipped)" if name == shipped else name
        folds = " ".join(f"{f['macro_f1']:.3f}" for f in entry["folds"])
        lines.append(f"| {label} | {entry['accuracy']['mean']:.3f} ± {entry['accuracy']['std']:.3f} | "
                     f"{entry['macro_f1']['mean']:.3f} ± {entry['macro_f1']['std']:.3f} | {folds} | "
                     f"{entry['seconds']:.0f} |")
    notes = "".join(f"- `{k}`: {v}{_epochs(models[k])}\n" for k, v in descriptions.items() if k in models)
    return "\n".join(lines) + "\n\n" + _paired(models, shipped) + notes


def _epochs(entry: dict) -> str:
    if "epochs_run" not in entry:
        return ""
    return f"; early stopping ended after {', '.join(map(str, entry['epochs_run']))} epochs in the folds"


def _paired(models: dict, shipped: str) -> str:
    """Fold-by-fold macro-F1 difference of the shipped model over each rival (same folds)."""
    mine = [f["macro_f1"] for f in models[shipped]["folds"]]
    lines = []
    for name, entry in models.items():
        if name == shipped:
            continue
        diff = [a - f["macro_f1"] for a, f in zip(mine, entry["folds"])]
        wins = sum(d > 0 for d in diff)
        lines.append(f"Paired over the same folds, `{shipped}` minus `{name}`: {100 * sum(diff) / len(diff):+.1f} "
                     f"macro-F1 points on average, better on {wins}/{len(diff)} folds.\n\n")
    return "".join(lines)


def confusion_markdown(entry: dict) -> str:
    labels = entry["labels"]
    lines = ["| true \\ predicted | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    lines += [f"| {label} | " + " | ".join(str(c) for c in row) + " |"
              for label, row in zip(labels, entry["confusion"])]
    return "\n".join(lines) + "\n"


def write_confusion_png(path: Path, entry: dict, title: str) -> Path | None:
    """Row-normalised colours, counts written in the cells; None when matplotlib is absent."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    import numpy as np

    counts = np.array(entry["confusion"])
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    names = [f"{l}\n({TO_EMOTIONS[l]})" if l in TO_EMOTIONS else f"{l}\n(extra)" for l in entry["labels"]]
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{counts[i, j]}\n{share[i, j]:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_card(path: Path, *, shipped: str, descriptions: dict, cv: dict, protocol: str, data: dict,
               command: str, date: str, model_bytes: int, load_seconds: float, latency_ms: float,
               train_seconds: float, smoke: bool) -> Path:
    smoke_note = "> **SMOKE RUN** on a small subset: figures below are meaningless.\n\n" if smoke else ""
    mapping = ", ".join(f"{k}→{v}" for k, v in TO_EMOTIONS.items())
    per_class = "".join(f"\n### `{name}`{' (shipped)' if name == shipped else ''}\n{per_class_table(entry)}"
                        for name, entry in cv.items())
    entry = cv[shipped]
    text = f"""# Text emotion model (ISEAR)

{smoke_note}- **Model:** `{shipped}` — {descriptions.get(shipped, shipped)}
- **File:** `emotion.joblib` ({model_bytes / 1e6:.1f} MB), a `TextEmotionModel` wrapping a
  scikit-learn pipeline; load with `TextEmotionModel.load()` ({load_seconds:.2f} s on the build
  machine once scikit-learn is imported; a cold process first pays ~2 s importing it). Needs scikit-learn 1.9.x (pickle). Metadata and all CV figures: `emotion.json`.
- **Output:** `predict_proba(texts)` → (N, 7) in `EMOTIONS` order ({", ".join(EMOTIONS)}): {mapping};
  **{" and ".join(UNSEEN_EMOTIONS)} are always 0** (ISEAR has no such label). Rows are **not
  renormalised**: they sum to 1 − (shame + guilt); `predict_extra(texts)` → (N, 2) gives
  ({", ".join(EXTRA_LABELS)}), `predict_isear_proba(texts)` → (N, 7) in ISEAR order
  ({", ".join(ISEAR_LABELS)}). A str or a list of str; an empty/blank text raises `BadInput`.
- **Date:** {date}
- **Reproduce:** `{command}` (CV of both models, refit, this card; {train_seconds / 60:.1f} min on one
  thread of the shared build machine).
- **Latency:** {latency_ms:.1f} ms for one 20-word text on the build machine (after load).

## Data
ISEAR, `isear/isear_train.csv` from the data folder, read in place (nothing copied into the
repository): {data['n_raw']} rows; {data['n_dropped']} non-answers dropped ("[ No response.]",
"NO RESPONSE", "Doesn't apply.", short "Can't remember ..." and the like; whole-text brackets
unwrapped and broken `\\"` quotes repaired), leaving **{data['n_used']}** texts:
{", ".join(f"{k} {v}" for k, v in data['per_label'].items())}.
Duplicate texts are kept but grouped: {data['n_groups']} distinct texts
({data['n_duplicate_rows']} rows share their text with another row,
{data['n_conflicting_groups']} such groups carry more than one emotion).

## Cross-validation
{protocol}. The model with the higher mean macro-F1 is shipped, refitted on all
{data['n_used']} texts (so the shipped file itself has no held-out figure here; the project's
separate test set judges it).

{summary_table(cv, shipped, descriptions)}
## Per class (mean over folds; F1 ± std over folds)
{per_class}
## Confusion matrix of `{shipped}` (out-of-fold predictions of all folds pooled)
{confusion_markdown(entry)}
Rows: true label; columns: predicted. Figure: `emotion_confusion.png` (colour = share of the row).

## What it cannot do
{LIMITS.format(accuracy=_accuracy_sentence(entry))}"""
    path.write_text(text)
    return path
