"""Load the essays corpus and make the fixed splits (hold-out validation, CV folds).

The data stays in the data folder (``--data-dir`` / ESAPR_DATA_DIR); nothing is copied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from library.paths import default_data_dir
from library.text.personality.traits import TRAITS

# CSV column of each trait, in TRAITS order. Labels are "y" (high) / "n" (low).
TRAIT_COLUMNS = {
    "openness": "cOPN",
    "conscientiousness": "cCON",
    "extraversion": "cEXT",
    "agreeableness": "cAGR",
    "neuroticism": "cNEU",
}
ESSAYS_FILE = Path("essays") / "essays_train.csv"
HOLDOUT_FRACTION = 0.2
HOLDOUT_SEED = 0
CV_FOLDS = 5
CV_SEED = 42


def essays_path(data_dir: str | Path | None = None) -> Path:
    return Path(data_dir or default_data_dir()) / ESSAYS_FILE


def load_essays(data_dir: str | Path | None = None) -> tuple[list[str], np.ndarray]:
    """Texts and a (N, 5) int array of labels (1 = high), columns in TRAITS order."""
    import pandas as pd

    path = essays_path(data_dir)
    if not path.is_file():
        raise FileNotFoundError(f"essays corpus not found at {path} (set --data-dir or ESAPR_DATA_DIR)")
    frame = pd.read_csv(path, encoding="utf-8")
    labels = np.stack([(frame[TRAIT_COLUMNS[t]].str.strip().str.lower() == "y").to_numpy()
                       for t in TRAITS], axis=1).astype(int)
    return frame["TEXT"].astype(str).tolist(), labels


def label_pattern(labels: np.ndarray) -> np.ndarray:
    """One stratum per combination of the five labels (32), so every split keeps all
    five traits balanced at once."""
    return labels @ (1 << np.arange(labels.shape[1]))


def _strata(labels: np.ndarray, min_per_stratum: int) -> np.ndarray:
    """Label pattern if every pattern is frequent enough for the split, else the first
    trait alone (only tiny subsets, e.g. the --smoke run, need the fallback)."""
    pattern = label_pattern(labels)
    if np.bincount(pattern)[np.unique(pattern)].min() >= min_per_stratum:
        return pattern
    return labels[:, 0]


def holdout_split(labels: np.ndarray, fraction: float = HOLDOUT_FRACTION,
                  seed: int = HOLDOUT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, validation) of the fixed stratified hold-out split."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    train, val = train_test_split(idx, test_size=fraction, random_state=seed,
                                  stratify=_strata(labels, 2))
    return np.sort(train), np.sort(val)


def cv_splits(labels: np.ndarray, n_splits: int = CV_FOLDS, seed: int = CV_SEED):
    """List of (train, test) index pairs: stratified K-fold on the label pattern."""
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(labels)), _strata(labels, n_splits)))
