"""Security v3: the batch reads only regular files, writes only inside its output folder, and its CSV runs no
formula. Each test failed on the code before this pass (file:///dev/zero read forever, a FIFO blocked, links in
the output folder had files outside it truncated, another folder's parts merged and deleted, formulas written raw).
"""

from __future__ import annotations

import csv
import os
import threading
from pathlib import Path

import pytest

from library.batch.inputs import ManifestError, content_hash, open_input, read_manifest
from library.batch.output import Output, OutputUnsafe
from library.batch.rows import NAMES, SCORES
from library.batch.task import _read


def _in_thread(function, *args, timeout_s: float = 5.0):
    """``function(*args)``'s result, or 'still running' when it has not returned within ``timeout_s``."""
    found = ["still running"]
    thread = threading.Thread(target=lambda: found.__setitem__(0, function(*args)), daemon=True)
    thread.start()
    thread.join(timeout_s)
    return found[0]


@pytest.mark.parametrize("where", ["/dev/zero", "file:///dev/zero", "local:///dev/zero"])
def test_a_device_is_not_read(where):
    data, error = _in_thread(_read, where)
    assert data is None and "not a regular file" in error
    assert _in_thread(content_hash, where) is None


def test_a_pipe_does_not_block(tmp_path):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    for where in (str(fifo), fifo.as_uri()):
        data, error = _in_thread(_read, where)
        assert data is None and "not a regular file" in error


def test_chained_urls_are_not_read(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    with pytest.raises(OSError, match="chained"):
        open_input(f"simplecache::{(tmp_path / 'a.txt').as_uri()}")
    with open_input((tmp_path / "a.txt").as_uri()) as fh:  # a plain file:// URL still reads
        assert fh.read() == b"hello"


def test_a_manifest_names_only_files_inside_its_folder(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ok.txt").write_text("fine")
    (tmp_path / "secret.txt").write_text("not yours")
    (tmp_path / "data" / "link.txt").symlink_to(tmp_path / "secret.txt")
    manifest = tmp_path / "data" / "m.csv"
    manifest.write_text("path\nok.txt\ns3://bucket/remote.wav\nnope://x/y.wav\n")
    assert [row[0] for row in read_manifest(manifest)[0]][0].endswith("ok.txt")
    for outside in ("../secret.txt", str(tmp_path / "secret.txt"), (tmp_path / "secret.txt").as_uri(), "link.txt"):
        manifest.write_text(f"path\nok.txt\n{outside}\n")
        with pytest.raises(ManifestError, match="line 3: .* outside the manifest's folder"):
            read_manifest(manifest)


def _row(**values) -> dict:
    row = dict.fromkeys(NAMES)
    row.update({"id": "a", "path": "a.txt", "sha256": "0" * 64, "bytes": 1, "channel": "text", "ok": True, **values})
    row[SCORES] = None
    return row


def test_links_in_the_output_folder_are_not_followed(tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("precious")
    (out / ".lock").symlink_to(victim)  # opened "w": the victim was truncated
    with pytest.raises(OutputUnsafe, match="lock"):
        Output(out, [])
    assert victim.read_text() == "precious"
    (out / ".lock").unlink()
    (out / "results.csv.tmp").symlink_to(victim)  # the old temporary names, written through
    (out / "results.parquet.tmp").symlink_to(victim)
    output = Output(out, [])
    output.add(_row())
    output.finish()
    output.close()
    assert victim.read_text() == "precious"
    assert not (out / "results.csv").is_symlink() and "a.txt" in (out / "results.csv").read_text()


def test_a_parts_link_to_another_folder_is_refused(tmp_path):
    other, out = tmp_path / "other", tmp_path / "out"
    other.mkdir()
    out.mkdir()
    Output(other, []).add(_row(id="theirs"))  # another run's part, left there
    theirs = sorted((other / "parts").glob("*.parquet"))
    assert theirs
    (out / "parts").symlink_to(other / "parts")
    with pytest.raises(OutputUnsafe, match="link"):
        Output(out, [])
    assert sorted((other / "parts").glob("*.parquet")) == theirs


def test_a_part_that_is_a_link_is_neither_read_nor_followed(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.parquet"
    first = Output(tmp_path / "first", [])
    first.add(_row(id="elsewhere"))
    first.finish()
    first.close()
    os.replace(tmp_path / "first" / "results.parquet", elsewhere)
    (out / "parts").mkdir(parents=True)
    (out / "parts" / "planted.parquet").symlink_to(elsewhere)
    output = Output(out, [])
    assert output.previous == []
    output.finish()
    output.close()
    assert elsewhere.exists()


def test_csv_cells_a_spreadsheet_would_run_are_quoted(tmp_path):
    output = Output(tmp_path / "out", ["note"])
    output.add(_row(id='=HYPERLINK("http://x","y")', path="+1.csv", error="@SUM(A1)", note="-2+3"))
    output.add(_row(id="plain", path="a.txt", sha256="1" * 64, note="fine"))
    output.finish()
    output.close()
    rows = list(csv.DictReader(open(tmp_path / "out" / "results.csv", encoding="utf-8")))
    assert [rows[0][k] for k in ("id", "path", "error", "note")] == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1.csv",
                                                                     "'@SUM(A1)", "'-2+3"]
    assert rows[1]["id"] == "plain" and rows[1]["note"] == "fine"
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "out" / "results.parquet").to_pylist()[0]["id"].startswith("=HYPERLINK")
