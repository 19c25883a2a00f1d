"""Load and clean the ISEAR corpus, and make its grouped cross-validation folds.

The data stays in the data folder (``--data-dir`` / ESAPR_DATA_DIR); nothing is copied.
Cleaning, and why:
- a whole text wrapped in ``[ ... ]`` is a translator's bracket, not content: unwrap it;
- ``\\word\\"`` is a broken CSV quote of the original release: turn it back into ``"word"``;
- non-answers ("[ No response.]", "NO RESPONSE", "Doesn't apply.", "Can't remember ...")
  carry no emotion, only the questionnaire's section: drop them;
- duplicate texts (the same short answer, sometimes under different emotions) are kept,
  but share one CV group, so a text never sits in both a training and a test fold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from library.paths import default_data_dir

ISEAR_FILE = Path("isear") / "isear_train.csv"
CV_FOLDS = 5
CV_SEED = 42

_BRACKETED = re.compile(r"^\[\s*(.*?)\s*\]$", re.S)
# Whole answers that say "nothing to report". Matched on the lower-cased text with
# trailing punctuation removed; the "remember" form only for short answers (< 12 words),
# so "I remember being sad when ..." stays.
_NON_RESPONSE = re.compile(
    r"^(?:no response|no description|nothing|none|never|do not know|not applicable(?: to myself)?"
    r"|does ?n[o']t apply|never experienced|(?:i have )?never felt (?:this|the) emotion"
    r"|i am quite shameless, not applicable)$"
)
_CANT_REMEMBER = re.compile(r"^(?:i )?(?:can't|can not|cannot|do not) remember\b")


@dataclass
class IsearData:
    texts: list[str]
    labels: np.ndarray  # (N,) str, ISEAR emotion names
    groups: np.ndarray  # (N,) int, one id per distinct (normalised) text
    n_raw: int  # rows in the CSV
    dropped: list[str]  # the non-answers removed, for the model card


def isear_path(data_dir: str | Path | None = None) -> Path:
    return Path(data_dir or default_data_dir()) / ISEAR_FILE


def clean_text(text: str) -> str:
    text = str(text).strip()
    match = _BRACKETED.match(text)
    if match:
        text = match.group(1)
    return text.replace('\\\\"', '"').replace('\\"', '"').replace("\\", '"').strip()


def is_non_response(text: str) -> bool:
    """True for an answer that reports no event ("No response.", "Can't remember ...")."""
    key = re.sub(r"[\s.!]+$", "", text.strip().lower())
    if _NON_RESPONSE.match(key):
        return True
    return bool(_CANT_REMEMBER.match(key)) and len(key.split()) < 12


def group_ids(texts: list[str]) -> np.ndarray:
    """Same id for texts that are equal after lower-casing and squeezing non-letters,
    so "When my dog died." and "When my dog died" fall in the same fold."""
    keys = [re.sub(r"[^a-z]+", " ", t.lower()).strip() for t in texts]
    index: dict[str, int] = {}
    return np.array([index.setdefault(k, len(index)) for k in keys], dtype=int)


def load_isear(data_dir: str | Path | None = None) -> IsearData:
    """Cleaned ISEAR rows (non-answers dropped) with their labels and CV groups."""
    import pandas as pd

    path = isear_path(data_dir)
    if not path.is_file():
        raise FileNotFoundError(f"ISEAR corpus not found at {path} (set --data-dir or ESAPR_DATA_DIR)")
    # dtype=str: ids have leading zeros and an answer like "None." must not become NaN.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    texts = [clean_text(t) for t in frame["text"]]
    keep = [bool(t) and not is_non_response(t) for t in texts]
    dropped = [t for t, k in zip(frame["text"], keep) if not k]
    texts = [t for t, k in zip(texts, keep) if k]
    labels = frame["emotion"].str.strip().str.lower().to_numpy()[np.array(keep)]
    return IsearData(texts=texts, labels=labels.astype(str), groups=group_ids(texts),
                     n_raw=len(frame), dropped=dropped)


def cv_splits(labels: np.ndarray, groups: np.ndarray, n_splits: int = CV_FOLDS, seed: int = CV_SEED):
    """List of (train, test) index pairs: stratified by emotion, grouped by text."""
    from sklearn.model_selection import StratifiedGroupKFold

    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(labels)), labels, groups))
