"""The batch on the local engine: inputs by content and manifest, output resumed after a kill,
per-file errors, and the history database written once per file (library/batch)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="the batch output needs pyarrow (pip install -r requirements-ray.txt)")

import batch_files  # noqa: E402
from library.batch import BatchConfig, ManifestError, collect, run_batch  # noqa: E402
from library.batch.output import RESULTS, read_rows  # noqa: E402
from library.stored_kinds import STORED_KINDS

pytestmark = pytest.mark.slow  # runs main.py analyze in processes, kills and resumes them

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "Models" / "text"


def analyze(*args: str, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "main.py"), "analyze", *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_folders_are_read_by_content_and_manifests_pass_metadata_through(tmp_path):
    folder = tmp_path / "answers"
    (folder / "deep").mkdir(parents=True)
    essay, = batch_files.texts(folder / "deep", 1)
    essay.rename(folder / "deep" / "essay.dat")  # a name that says nothing: the content says text
    video, = batch_files.videos(folder, 1, seconds=1.0)
    video.rename(folder / "clip.bin")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))  # named text, is a picture
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("id,path,cohort,channel\np7,answers/deep/essay.dat,B,x\nmissing,nope.wav,A,y\n", encoding="utf-8")

    inputs = collect([folder], [manifest])

    assert [(Path(i.path).name, i.id, i.meta) for i in inputs.items] == [
        ("essay.dat", "p7", {"cohort": "B", "meta_channel": "x"}),  # 'channel' is an output column: renamed
        ("nope.wav", "missing", {"cohort": "A", "meta_channel": "y"}),
        ("clip.bin", str(folder / "clip.bin"), {}),
        ("essay.dat", str(folder / "deep" / "essay.dat"), {})]
    assert inputs.meta_columns == ["cohort", "meta_channel"]
    assert inputs.left_out == 2  # the picture and the hidden file
    bad = tmp_path / "bad.csv"
    bad.write_text("file,id\na,b\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="'path' column"):
        collect([], [bad])


def test_per_file_errors_are_rows_and_the_exit_status_says_so(tmp_path):
    essay, = batch_files.texts(tmp_path, 1)
    short = tmp_path / "short.txt"
    short.write_text("Too short to say anything about a person.", encoding="utf-8")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))  # an MP4 header and nothing behind it
    other, = batch_files.texts(tmp_path, 1, name="url")
    manifest = tmp_path / "urls.csv"  # URLs are read through fsspec: file:// here, s3:// and the like on a cluster
    manifest.write_text(f"path\n{other.as_uri()}\nnope://bucket/a.wav\n", encoding="utf-8")
    out = tmp_path / "out"

    result = analyze(str(essay), str(short), str(empty), str(fake), str(tmp_path / "gone.wav"), "--manifest",
                     str(manifest), "--out", str(out))

    assert result.returncode == 1, result.stderr
    rows = {Path(r["path"]).name: r for r in read_rows(out)}
    assert rows["essay000.txt"]["ok"] and rows["essay000.txt"]["trait_openness"] is not None
    assert rows["url000.txt"]["ok"] and rows["url000.txt"]["path"].startswith("file://")
    made_by = {m["name"]: m["sha256"] for m in json.loads(rows["essay000.txt"]["models"])}  # which files made it
    assert made_by["personality.joblib"] == hashlib.sha256((MODELS / "personality.joblib").read_bytes()).hexdigest()[:16]
    assert "emotion.joblib" in made_by and rows["short.txt"]["models"] is None
    for name, message in [("short.txt", "words"), ("empty.wav", "empty"), ("gone.wav", "cannot read the file"),
                          ("a.wav", "Protocol not known")]:
        assert not rows[name]["ok"] and message in rows[name]["error"], rows[name]
    assert not rows["fake.mp4"]["ok"] and rows["fake.mp4"]["error"]
    assert "5 failed" in result.stderr and "main.py analyze: " + str(empty) in result.stderr
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
        assert len(table) == 7 and json.loads(next(r for r in table if r["path"] == str(essay))["models"])


def test_a_killed_run_resumes_where_it_stopped_and_every_file_is_there_once(tmp_path):
    # The essays take a fraction of a second, the video seconds: the run is killed (SIGKILL, no clean-up)
    # while the video is in flight, after the first essay's row is on disk.
    first = batch_files.texts(tmp_path / "a", 1)
    video = batch_files.videos(tmp_path / "b", 1, seconds=6.0)
    rest = batch_files.texts(tmp_path / "c", 2, name="later")
    files = [str(p) for p in first + video + rest]
    out = tmp_path / "out"
    run = analyze(*files, "--out", str(out), background=True)
    deadline = time.monotonic() + 240
    while not list((out / "parts").glob("*.parquet")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate()
    kept = read_rows(out)
    assert [Path(r["path"]).name for r in kept] == ["essay000.txt"], "the kill came too late to test a resume"
    with open(out / "results.csv", "a", encoding="utf-8") as fh:
        fh.write("half a line cut by the kill,")

    again = analyze(*files, "--out", str(out))

    assert again.returncode == 0, again.stderr
    assert "1 already done (skipped)" in again.stderr
    rows = read_rows(out)
    assert sorted(Path(r["path"]).name for r in rows) == ["answer000.mp4", "essay000.txt", "later000.txt", "later001.txt"]
    assert [r for r in rows if r["path"] == kept[0]["path"]] == kept  # not analysed again
    assert not list((out / "parts").glob("*.parquet")) and (out / RESULTS).exists()
    with open(out / "results.csv", newline="", encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert sorted(line["sha256"] for line in lines) == sorted(r["sha256"] for r in rows)
    assert all(line["ok"] == "True" for line in lines)


def test_interrupted_in_process_run_resumes_and_failed_files_are_tried_again(tmp_path, monkeypatch):
    files = batch_files.texts(tmp_path, 3)
    broken = tmp_path / "later.txt"
    broken.write_text("not yet written", encoding="utf-8")
    out = tmp_path / "out"
    config = BatchConfig(out=out, progress=False)
    from library.batch import output

    added = []
    real_add = output.Output.add

    def add_then_stop(self, row):
        real_add(self, row)
        added.append(row)
        if len(added) == 2:
            raise KeyboardInterrupt  # Ctrl-C after two rows

    monkeypatch.setattr(output.Output, "add", add_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run_batch(collect(files + [broken]), config)
    monkeypatch.setattr(output.Output, "add", real_add)
    assert len(read_rows(out)) == 2

    summary = run_batch(collect(files + [broken]), config)
    assert summary.done_before == 2 and len(summary.rows) == 2 and summary.failed == 1

    broken.write_text(files[0].read_text(encoding="utf-8").replace("essay number 0", "a later answer"), encoding="utf-8")
    summary = run_batch(collect(files + [broken]), config)
    assert summary.done_before == 3 and summary.failed == 0
    rows = read_rows(out)
    assert len(rows) == 5 and sum(r["ok"] for r in rows) == 4  # the failed version stays as its own content


def test_store_writes_each_file_once_across_reruns(tmp_path, database_url):
    from library.history import HistoryStore

    files = batch_files.texts(tmp_path, 2)
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    inputs = collect(files + [broken])

    run_batch(inputs, BatchConfig(out=tmp_path / "out", progress=False))  # without --store first
    first = run_batch(inputs, BatchConfig(out=tmp_path / "out", store_url=database_url, progress=False))
    again = run_batch(inputs, BatchConfig(out=tmp_path / "other", store_url=database_url, progress=False))
    duplicate = tmp_path / "copy.txt"
    duplicate.write_bytes(files[0].read_bytes())
    run_batch(collect([duplicate]), BatchConfig(store_url=database_url, progress=False))

    store = HistoryStore(database_url, STORED_KINDS)
    try:
        assert first.stored == 2 and again.stored == 0  # the rows done before --store, then nothing new
        assert store.count("text") == 2
        stored = store.scores("text")
        expected = [json.loads(r["scores_json"]) for r in again.rows if r["ok"]]
        assert sorted(map(json.dumps, stored)) == sorted(map(json.dumps, expected))
        assert set(stored[0]) >= {"traits", "word_count", "emotion"}  # the web app's text row
    finally:
        store.close()
