"""The batch on Ray: a small local cluster (2 actors, a few seconds of inputs) gives the same rows as the
local engine; without Ray, --engine ray says how to install it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import batch_files
from library.batch import BatchConfig, collect, run_batch
from library.batch.output import read_rows
from library.batch.rows import comparable

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    batch_files.speech(folder, 1)
    batch_files.videos(folder, 1, seconds=2.0)
    batch_files.texts(folder, 2)
    (folder / "photo.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(8))  # a header and no sound
    return folder


def test_ray_and_local_engines_give_identical_rows(inputs, tmp_path):
    pytest.importorskip("ray.data", reason="Ray is an extra: pip install -r requirements-ray.txt")
    items = collect([inputs])
    assert len(items.items) == 5

    local = run_batch(items, BatchConfig(engine="local", out=tmp_path / "local", progress=False))
    ray = run_batch(items, BatchConfig(engine="ray", workers=2, out=tmp_path / "ray", progress=False))

    assert ray.workers == 2 and len(ray.rows) == len(local.rows) == 5
    assert [comparable(r) for r in ray.rows] == [comparable(r) for r in local.rows]  # input order, every column
    on_disk = {e: sorted(map(comparable, read_rows(tmp_path / e)), key=lambda r: r["path"]) for e in ("local", "ray")}
    assert on_disk["ray"] == on_disk["local"]
    by_channel = {r["channel"]: r for r in local.rows if r["ok"]}
    assert set(by_channel) == {"audio", "video", "text"}
    assert by_channel["audio"]["transcript"] and by_channel["video"]["frames_with_face"] >= 1
    assert by_channel["text"]["trait_neuroticism"] is not None
    assert [r["ok"] for r in local.rows].count(False) == 1 and local.failed == ray.failed == 1


def test_ray_engine_without_ray_says_how_to_install_it(tmp_path):
    stub = tmp_path / "no_ray" / "ray"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('No module named ray')\n", encoding="utf-8")
    essay, = batch_files.texts(tmp_path, 1)
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", str(essay), "--engine", "ray"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "PYTHONPATH": str(stub.parent)})
    assert result.returncode == 2
    assert "requirements-ray.txt" in result.stderr and "--engine local" in result.stderr
    assert "Traceback" not in result.stderr
