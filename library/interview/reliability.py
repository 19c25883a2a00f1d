"""How far each channel can be trusted: its measured accuracy, and what it is known to get wrong.

    rel = load_reliability()                  # read the shipped models' metadata now
    fuse(channels, reliability_scores(rel))   # weights for library.interview.fusion

The figures come from the metadata file each training run writes beside its model,
read at call time (a retrained model changes the weights without a code change):

- video: ``Models/video/expression.json`` ``val_acc`` — accuracy on FER2013 PublicTest
  faces, measured without test-time flipping (the app flips, which scored ~1 point more).
- audio: ``Models/audio/speech_emotion.json`` ``val.accuracy`` — out-of-fold accuracy of a
  grouped K-fold over the 33 speakers of four corpora (``python -m library.audio.train``
  writes it), so each clip is read by a head that never heard its speaker.
- text: ``Models/text/emotion.json`` ``cv[<model>].accuracy.mean`` — 5-fold
  cross-validated accuracy over ISEAR's seven labels. Accuracy rather than macro-F1, so
  all three are the same measure, each over seven classes (chance 1/7).

Fallback: when a file is missing or lacks the figure, the score comes from the
``fallback`` mapping passed in (``{"audio": 0.5}``), and ``source`` says so; with no
fallback either, ``score`` is None and the channel cannot be weighted (the caller
decides: leave the channel out, or pass a fallback).

Every figure inside the ``weaknesses`` sentences is read from the same metadata; where
the metadata lacks one, the sentence is given without figures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from library.paths import MODELS_DIR
from library.registry import CHANNEL_NAMES
from library.registry import CHANNELS as REGISTERED

CHANNELS: tuple[str, ...] = CHANNEL_NAMES
META_FILES: dict[str, str] = {name: channel.metadata for name, channel in REGISTERED.items()}


@dataclass
class ChannelReliability:
    channel: str
    score: float | None  # accuracy on data the model did not learn from, 0..1; None when unknown
    measure: str  # what the score is, in words
    source: str  # metadata file it was read from, "fallback", or "unavailable"
    weaknesses: list[str] = field(default_factory=list)  # short plain-language sentences

    def to_dict(self) -> dict:
        out = asdict(self)
        out["score"] = None if self.score is None else round(self.score, 4)
        return out


def _in_ten(acc: float) -> str:
    """0.61 -> "about 6 times in 10": a figure people read correctly without percentages."""
    return f"about {int(round(acc * 10))} times in 10"


def _weakest(scores: Mapping[str, float], k: int = 2) -> list[tuple[str, float]]:
    return sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:k]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _video(meta: dict) -> tuple[float, str, list[str]]:
    sources = (meta.get("calibration") or {}).get("per_source")
    if sources:  # faces v2: FER2013 val and a held-out fifth of RAF-DB, measured with the shipped calibration
        fer, raf = sources["fer2013"], sources.get("rafdb") or {}
        acc = float(fer["accuracy"])
        weak = ["Learnt from FER2013 face photos (mostly posed, frontal, low-resolution) and RAF-DB faces from the "
                "internet; real webcam faces, lighting and angles can still be read less well."]
        if "accuracy_end_to_end" in raf:
            weak.append(f"Right {_in_ten(acc)} on FER2013 faces it had not learnt from, and "
                        f"{_in_ten(float(raf['accuracy_end_to_end']))} on held-out internet photos, counting a face "
                        "it could not find as wrong.")
        else:
            weak.append(f"Right {_in_ten(acc)} on faces it had not learnt from.")
        per_class = fer.get("per_class")
        if isinstance(per_class, dict) and per_class:
            worst = _weakest({e: float(v["recall"]) for e, v in per_class.items()})
            weak.append("Weakest on " + _and([f"{e} (finds {r:.0%} of them)" for e, r in worst]) + ".")
        weak.append("Its faces have no labels of ethnicity, age or sex, so how much worse it reads some people's "
                    "faces than others' is not measured.")
        weak.append("A face shows an expression, which is not always what a person feels.")
        return acc, f"validation accuracy {acc:.0%} (FER2013 PublicTest faces, 7 emotions)", weak
    acc = float(meta["val_acc"])
    weak = [
        f"Learnt from {int(meta['train_images']):,} FER2013 face photos from the web, mostly posed, frontal and "
        "low-resolution; real webcam faces, lighting and angles are read less well."
        if "train_images" in meta else
        "Learnt from FER2013 face photos from the web, mostly posed, frontal and low-resolution; real webcam "
        "faces, lighting and angles are read less well.",
        f"Right {_in_ten(acc)} on faces it had not learnt from.",
    ]
    per_class = meta.get("per_class")
    if isinstance(per_class, dict) and per_class:
        worst = _weakest({e: float(v["recall"]) for e, v in per_class.items()})
        weak.append("Weakest on " + _and([f"{e} (finds {r:.0%} of them)" for e, r in worst]) + ".")
    else:  # expression.json has no per-class figures; the model card (expression.md) does
        weak.append("Weakest on fear and disgust: it confuses fear with surprise and sadness, and disgust is rare "
                    "in its training data.")
    weak.append("A face shows an expression, which is not always what a person feels.")
    return acc, f"validation accuracy {acc:.0%} (FER2013 PublicTest faces, 7 emotions)", weak


def _audio(meta: dict) -> tuple[float, str, list[str]]:
    val = meta["val"]
    acc = float(val["accuracy"])
    speakers = meta.get("speakers") or []
    weak = [
        (f"Learnt from {len(speakers)} actors" if speakers else "Learnt from actors")
        + " showing emotions on purpose in quiet rooms, in English and German; everyday speech, other languages "
          "and laptop microphones are read less well.",
        f"Right {_in_ten(acc)} on voices it had not learnt from"
        + (" (each speaker read by a model that never heard them)." if speakers else "."),
    ]
    per_sex = (meta.get("grouped") or {}).get("per_sex") or {}
    if {"male", "female"} <= set(per_sex):
        m, f = float(per_sex["male"]["accuracy"]), float(per_sex["female"]["accuracy"])
        if abs(m - f) >= 0.05:
            weak.append(f"Reads {'men' if m > f else 'women'}'s voices better ({max(m, f):.0%} against {min(m, f):.0%}).")
    per_class = val.get("per_class")
    if isinstance(per_class, dict) and per_class:
        worst = _weakest({e: float(v["recall"]) for e, v in per_class.items()})
        weak.append("Weakest on " + _and([f"{e} (finds {r:.0%} of them)" for e, r in worst]) + ".")
    weak.append("It hears how you speak, not what you say.")
    measure = ("accuracy on voices it never heard (33 acted speakers, 4 corpora, 7 emotions)" if speakers
               else "validation accuracy (unseen speakers, 7 emotions)")
    return acc, f"{measure}: {acc:.0%}", weak


def _confused_pairs(confusion, labels, k: int = 2) -> list[tuple[str, str]]:
    """The ``k`` label pairs most often mistaken for each other (both directions summed)."""
    cm = np.asarray(confusion, dtype=float)
    both = cm + cm.T
    pairs = [(both[i, j], labels[i], labels[j]) for i in range(len(labels)) for j in range(i + 1, len(labels))]
    return [(a, b) for _, a, b in sorted(pairs, key=lambda p: -p[0])[:k]]


def _text(meta: dict) -> tuple[float, str, list[str]]:
    cv = meta["cv"][meta["model"]]
    acc = float(cv["accuracy"]["mean"])
    n_used = meta.get("data", {}).get("n_used")
    weak = [
        (f"Learnt from {int(n_used):,}" if n_used else "Learnt from")
        + " short written accounts of emotional moments (ISEAR), which have no surprise or neutral: the words "
          "can never show either.",
        f"Right {_in_ten(acc)} in cross-validation over its seven labels.",
    ]
    if "confusion" in cv and "labels" in cv:
        pairs = _confused_pairs(cv["confusion"], list(cv["labels"]))
        weak.append("Most often mixes up " + ", and ".join(f"{a} with {b}" for a, b in pairs) + ".")
    weak.append("Part of what it reads can be shame or guilt, which face and voice cannot show.")
    return acc, f"cross-validated accuracy {acc:.0%} (ISEAR, 7 labels)", weak


_READERS = {"video": _video, "audio": _audio, "text": _text}
def channel_reliability(channel: str, models_dir: str | Path | None = None,
                        fallback: Mapping[str, float] | None = None) -> ChannelReliability:
    """One channel's reliability: from its metadata file, else ``fallback[channel]``, else unknown."""
    if channel not in _READERS:
        raise ValueError(f"unknown channel {channel!r}; the channels are {list(CHANNELS)}")
    root = Path(models_dir if models_dir is not None else MODELS_DIR)
    path = root / META_FILES[channel]
    try:
        score, measure, weak = _READERS[channel](json.loads(path.read_text(encoding="utf-8")))
        if not 0.0 <= score <= 1.0:
            raise ValueError(score)
        return ChannelReliability(channel, score, measure, f"{root.name}/{META_FILES[channel]}", weak)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # missing file (model not trained yet) or a figure it lacks: use the fallback
    if fallback is not None and channel in fallback:
        score = float(fallback[channel])
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"fallback reliability for {channel} must be within 0..1, got {score}")
        return ChannelReliability(channel, score, f"assumed accuracy {score:.0%} (no measured figure found)",
                                  "fallback", list(REGISTERED[channel].caveats))
    return ChannelReliability(channel, None, "no measured figure found", "unavailable",
                              list(REGISTERED[channel].caveats))


def load_reliability(models_dir: str | Path | None = None, fallback: Mapping[str, float] | None = None,
                     channels=CHANNELS) -> dict[str, ChannelReliability]:
    """``{channel: ChannelReliability}`` for each channel, read now (see the module doc)."""
    return {c: channel_reliability(c, models_dir, fallback) for c in channels}


def reliability_scores(reliability: Mapping[str, ChannelReliability]) -> dict[str, float]:
    """``{channel: score}`` for the channels with a known score: the input ``fuse`` takes."""
    return {c: r.score for c, r in reliability.items() if r.score is not None}


__all__ = ["CHANNELS", "ChannelReliability", "channel_reliability", "load_reliability",
           "reliability_scores"]
