"""FER2013 + RAF-DB as one training set, the two validation sets, and each epoch's balanced draw.

Sources and classes are balanced by *sampling*, not by loss weights: every epoch draws
``samples_per_epoch`` faces with replacement, a share per source (``source_shares``) and, inside
a source, each face with a weight of its class count to the power ``-class_power`` (0.5: disgust
drawn ~4x more often per face than happy, without repeating 400 faces to death). The draw depends
only on (seed, epoch), so a resumed run replays it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS
from library.video.train import data as D
from library.video.train import prepare as P

SOURCES = ("fer2013", "rafdb")


@dataclass
class Sources:
    images: np.ndarray  # uint8 (N, 48, 48)
    labels: np.ndarray  # int64 (N,)
    source: np.ndarray  # int (N,), index into SOURCES
    val: dict[str, tuple[np.ndarray, np.ndarray]]  # name -> (images, labels) of the faces found
    stats: dict = field(default_factory=dict)


def _subset(x: np.ndarray, y: np.ndarray, limit: int | None, seed: int):
    if not limit or limit >= len(x):
        return x, y
    idx = np.random.default_rng(seed).permutation(len(x))[:limit]
    return x[idx], y[idx]


def load_sources(data_dir: Path, names: tuple[str, ...] | list[str], cache_dir: Path, seed: int,
                 train_limit: int | None = None, val_limit: int | None = None,
                 rafdb_limit: int | None = None) -> Sources:
    """Load, clean and split the named sources (``train_limit``/``val_limit``: per source, smoke runs)."""
    xs, ys, ss, val, stats = [], [], [], {}, {}
    for s, name in enumerate(SOURCES):
        if name not in names:
            continue
        if name == "fer2013":
            tr_x, tr_y = D.load_split(data_dir, "train")
            va_x, va_y = D.load_split(data_dir, "val")
            tr_x, tr_y, stats["fer2013_cleaning"] = D.clean_train(tr_x, tr_y, va_x)
        else:
            with np.load(P.prepare(data_dir, cache_dir, limit=rafdb_limit)) as z:
                found, hold = z["found_by"] != "", z["held_out"]
                images, labels = z["images"], z["labels"]
                stats["rafdb"] = {
                    "pictures": int(len(labels)), "found": int(found.sum()),
                    "found_by": {k: int(np.sum(z["found_by"] == k)) for k in ("hog", "crop", "cnn")},
                    "held_out_pictures": int(hold.sum()), "held_out_found": int((hold & found).sum()),
                    "not_found_per_class": np.bincount(labels[~found], minlength=len(EMOTIONS)).tolist(),
                    "pictures_per_class": np.bincount(labels, minlength=len(EMOTIONS)).tolist(),
                }
            tr_x, tr_y = images[found & ~hold], labels[found & ~hold]
            va_x, va_y = images[found & hold], labels[found & hold]
        tr_x, tr_y = _subset(tr_x, tr_y, train_limit, seed + s)
        va_x, va_y = _subset(va_x, va_y, val_limit, seed + 10 + s)
        xs.append(tr_x)
        ys.append(tr_y)
        ss.append(np.full(len(tr_y), s))
        val[name] = (va_x, va_y)
        stats[f"{name}_train"] = int(len(tr_y))
        stats[f"{name}_val"] = int(len(va_y))
    if not xs:
        raise ValueError(f"no known source among {names}; known: {SOURCES}")
    return Sources(np.concatenate(xs), np.concatenate(ys), np.concatenate(ss), val, stats)


def draw_weights(labels: np.ndarray, source: np.ndarray, shares: dict[str, float], class_power: float) -> np.ndarray:
    """Probability of each face in an epoch's draw (sums to 1)."""
    w = np.zeros(len(labels), dtype=np.float64)
    present = [s for s in np.unique(source)]
    total_share = sum(shares.get(SOURCES[s], 0.0) for s in present)
    for s in present:
        inside = source == s
        counts = np.bincount(labels[inside], minlength=len(EMOTIONS)).astype(np.float64)
        u = np.maximum(counts[labels[inside]], 1.0) ** -class_power
        w[inside] = u / u.sum() * shares.get(SOURCES[s], 0.0) / total_share
    return w


def epoch_draw(weights: np.ndarray, n: int, seed: int, epoch: int) -> np.ndarray:
    """Indices of one epoch's faces, a function of (seed, epoch) only."""
    return np.random.default_rng([seed, epoch, 11]).choice(len(weights), size=n, replace=True, p=weights)
