"""The batch on Ray: a small local cluster (2 actors, a few seconds of inputs) gives the same rows as the
local engine, and the batch the same rows as the web app's API routes; without Ray, --engine ray says how to
install it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import batch_files
from library.batch import BatchConfig, collect, run_batch
from library.batch.output import read_rows
from library.batch.rows import comparable

pytestmark = pytest.mark.slow  # starts a Ray cluster and batch processes

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


# Where the web app takes each kind of file: the channel's API, or (a text) the interview's written answer, which
# is what the batch stores for a text (the probabilities the fusion takes beside the Big Five).
WEB_ROUTES = {"video": ("/api/v1/video", "video"), "audio": ("/api/v1/audio", "audio"), "text": (None, "file")}


def _web_row(client, store, kind: str, path: Path) -> tuple[int, dict]:
    """(status, stored scores or the error answer) of one file sent as a person would."""
    route, field = WEB_ROUTES[kind]
    if route is None:
        session = client.post("/api/v1/interview").get_json()["session"]
        route = f"/api/v1/interview/{session}/text"
    answer = client.post(route, data={field: (io.BytesIO(path.read_bytes()), path.name)},
                         content_type="multipart/form-data")
    body = answer.get_json()
    if answer.status_code != 200:
        return answer.status_code, body
    return 200, store.get(body["id"]).scores


@pytest.mark.real_models
def test_the_web_app_and_the_batch_give_identical_rows_on_one_and_two_threads(inputs, app, client):
    """Each file through the web's routes (this process, one thread per runtime) and through the batch in a process
    with every thread variable at 2: the row the web stores is the batch's, key for key (but the Grad-CAM heat
    grid, which the batch leaves out of its output as the API does), and a refused file has the same message."""
    threads = {name: "2" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", str(inputs), "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env={**os.environ, **threads})
    batch = {Path(row["file"]).name: row for row in json.loads(done.stdout)}
    assert len(batch) == 5
    store = app.extensions["esapr_store"]
    for name, row in sorted(batch.items()):
        status, web = _web_row(client, store, row["kind"], inputs / name)
        if not row["ok"]:  # the WAV header with no sound: refused alike
            assert status == 422 and web["error"] == row["error"], name
            continue
        assert status == 200, (name, web)
        assert {k: v for k, v in web.items() if k != "gradcam"} == row["scores"], name
        assert web["models"], name  # each names its models, the same files in both
    assert {row["kind"] for row in batch.values() if row["ok"]} == {"video", "audio", "text"}


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
