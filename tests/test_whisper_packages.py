"""The multilingual Whisper ships in two packages: its parts are joined once into the model cache, whole or not at
all, and loaded from there (or joined in memory where the cache cannot be written)."""

from __future__ import annotations

from library.audio.whisper_packages import WHISPER_MODELS, _files_of, model_dir, model_files


def test_the_parts_are_joined_once_into_the_cache_and_load_from_there(tmp_path, monkeypatch):
    from library.audio.encoder import WhisperEncoder

    monkeypatch.setenv("ESAPR_MODEL_CACHE", str(tmp_path))
    parts, others = _files_of(WHISPER_MODELS["base"])
    folder = model_dir("base")
    assert folder is not None and folder.parent == tmp_path
    assert (folder / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)
    assert {f.name for f in others} <= {f.name for f in folder.iterdir()}
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary folder left behind
    written = (folder / "model.bin").stat().st_mtime_ns
    assert model_dir("base") == folder and (folder / "model.bin").stat().st_mtime_ns == written  # not again
    encoder = WhisperEncoder.load(name="base")
    assert encoder.model_dir == folder and encoder.multilingual and encoder.name == "base"


def test_an_unwritable_cache_joins_the_parts_in_memory(tmp_path, monkeypatch):
    from library.audio.encoder import WhisperEncoder

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache would be")
    monkeypatch.setenv("ESAPR_MODEL_CACHE", str(blocked))
    assert model_dir("base") is None
    files = model_files("base")
    assert len(files["model.bin"]) == sum(p.stat().st_size for p in _files_of(WHISPER_MODELS["base"])[0])
    encoder = WhisperEncoder.load(name="base")
    assert encoder.model_dir is None and encoder.multilingual
