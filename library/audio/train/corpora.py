"""The acted-speech corpora the voice model learns from: RAVDESS, SAVEE, EmoDB and TESS.

Each corpus is listed as ``Clip``s (path, corpus, speaker, sex, label); clips whose emotion has
no project label (EmoDB's boredom) are left out. Speakers are named ``<corpus>:<id>`` so a
grouped split over speakers can never put one voice on both sides. The clips stay in the
shared data folder (16 kHz mono FLAC); nothing is copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from library.emotions import EMOTIONS

CORPORA = ("ravdess", "savee", "emodb", "tess")

RAVDESS_CODES = {1: "neutral", 2: "neutral", 3: "happy", 4: "sad", 5: "angry", 6: "fear", 7: "disgust",
                 8: "surprise"}  # calm (02) merged into neutral
SAVEE_CODES = {"a": "angry", "d": "disgust", "f": "fear", "h": "happy", "n": "neutral", "sa": "sad",
               "su": "surprise"}
EMODB_CODES = {"W": "angry", "E": "disgust", "A": "fear", "F": "happy", "T": "sad", "N": "neutral"}  # L: boredom
EMODB_MALE = {"03", "10", "11", "12"}
TESS_FOLDERS = {"angry": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy", "neutral": "neutral",
                "sad": "sad", "pleasant_surprise": "surprise"}


@dataclass(frozen=True)
class Clip:
    path: Path
    corpus: str
    speaker: str  # "<corpus>:<id>", unique across corpora
    sex: str  # "male" | "female"
    label: int  # index into EMOTIONS


def _ravdess(root: Path) -> list[Clip]:
    clips = []
    for p in sorted(root.glob("Actor_*/03-01-*.flac")):
        parts = p.stem.split("-")
        actor = int(parts[6])
        clips.append(Clip(p, "ravdess", f"ravdess:{actor:02d}", "male" if actor % 2 else "female",
                          EMOTIONS.index(RAVDESS_CODES[int(parts[2])])))
    return clips


def _savee(root: Path) -> list[Clip]:
    clips = []
    for p in sorted(root.glob("*.flac")):
        speaker, code = p.stem.split("_", 1)
        code = code.rstrip("0123456789")
        clips.append(Clip(p, "savee", f"savee:{speaker}", "male", EMOTIONS.index(SAVEE_CODES[code])))
    return clips


def _emodb(root: Path) -> list[Clip]:
    clips = []
    for p in sorted(root.glob("*.flac")):
        speaker, code = p.stem[:2], p.stem[5]
        if code in EMODB_CODES:
            clips.append(Clip(p, "emodb", f"emodb:{speaker}", "male" if speaker in EMODB_MALE else "female",
                              EMOTIONS.index(EMODB_CODES[code])))
    return clips


def _tess(root: Path) -> list[Clip]:
    clips = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir():
            continue
        speaker, emotion = folder.name.split("_", 1)
        for p in sorted(folder.glob("*.flac")):
            clips.append(Clip(p, "tess", f"tess:{speaker}", "female", EMOTIONS.index(TESS_FOLDERS[emotion.lower()])))
    return clips


_LISTERS = {"ravdess": _ravdess, "savee": _savee, "emodb": _emodb, "tess": _tess}


def list_clips(data_dir: str | Path, corpora: tuple[str, ...] = CORPORA) -> list[Clip]:
    """Every labelled clip of ``corpora`` under ``data_dir``; a missing corpus folder is an error."""
    clips: list[Clip] = []
    for name in corpora:
        root = Path(data_dir) / name
        if not root.is_dir():
            raise FileNotFoundError(f"{name} folder not found: {root}")
        found = _LISTERS[name](root)
        if not found:
            raise FileNotFoundError(f"no {name} clips under {root}")
        clips += found
    return clips
