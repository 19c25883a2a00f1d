"""`python main.py analyze FILE… [--json]` on a text file, a PDF, a video and a voice recording made here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from media import interview_frame, make_video
from sample_texts import ESSAY
from speech import spoken_wav

pytestmark = pytest.mark.slow  # runs main.py analyze in processes

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "analyze", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 makes the test PDF (pip install fpdf2==2.8.9)")
    essay = tmp_path / "essay.txt"
    essay.write_text(ESSAY, encoding="utf-8")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, ESSAY)
    document = tmp_path / "essay.pdf"
    document.write_bytes(bytes(pdf.output()))
    video = tmp_path / "answer.mp4"
    video.write_bytes(make_video([interview_frame(dx=i % 6) for i in range(10)], fps=5))
    broken = tmp_path / "photo.txt"  # the name says text; the content is a PNG
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    return {"text": essay, "pdf": document, "video": video, "broken": broken}


def test_json_output_for_each_kind_and_a_bad_file_does_not_stop_the_batch(files):
    result = run_cli(str(files["text"]), str(files["broken"]), str(files["pdf"]), str(files["video"]), "--json")
    assert result.returncode == 1  # one file failed
    rows = json.loads(result.stdout)  # stdout is only the JSON: the progress bar is on stderr
    assert [Path(r["file"]).name for r in rows] == ["essay.txt", "photo.txt", "essay.pdf", "answer.mp4"]
    text, broken, pdf, video = rows
    assert text["ok"] and text["kind"] == "text"
    assert set(text["scores"]["traits"]) == {"openness", "conscientiousness", "extraversion", "agreeableness",
                                             "neuroticism"}
    assert "probabilities" in text["scores"]["emotion"]
    assert not broken["ok"] and "not text or PDF" in broken["error"]
    assert pdf["ok"] and pdf["kind"] == "text" and abs(pdf["scores"]["word_count"] - text["scores"]["word_count"]) <= 5
    assert video["ok"] and video["kind"] == "video" and video["scores"]["frames_with_face"] >= 1
    assert "Analysing" in result.stderr and "100%" in result.stderr
    assert f"{files['broken']}: " in result.stderr  # a clear message naming the file


def test_table_output_and_exit_zero_when_all_succeed(files):
    result = run_cli(str(files["text"]), str(files["video"]))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["file", "kind", "result"]
    assert "essay.txt" in lines[2] and "Big Five" in lines[2]
    assert "answer.mp4" in lines[3] and "face in" in lines[3]


def test_missing_file_and_no_files(tmp_path):
    result = run_cli(str(tmp_path / "nope.wav"))
    assert result.returncode == 1 and "cannot read the file" in result.stdout
    assert run_cli().returncode == 2  # argparse: FILE is required


def test_voice_recording(tmp_path):
    from library.audio.model import DEFAULT_DIR, MODEL_FILE

    if not (DEFAULT_DIR / MODEL_FILE).exists():
        pytest.skip(f"no trained speech model at {DEFAULT_DIR / MODEL_FILE} (python -m library.audio.train)")
    voice = spoken_wav(tmp_path / "voice.wav")
    result = run_cli(str(voice), "--json")
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["kind"] == "audio" and row["scores"]["dominant"] in row["scores"]["mean_probabilities"]


def test_manifest_to_an_output_folder_and_the_database_once(tmp_path):
    import csv

    from library.history import HistoryStore
    from library.stored_kinds import STORED_KINDS

    essay = tmp_path / "answers" / "a.txt"
    essay.parent.mkdir()
    essay.write_text(ESSAY, encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,id,cohort\nanswers/a.txt,p1,2024\n", encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    command = [sys.executable, str(ROOT / "main.py"), "analyze", "--manifest", str(manifest), "--out",
               str(tmp_path / "out"), "--store"]
    env = {**__import__("os").environ, "DATABASE_URL": database}

    first = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)

    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    assert first.stdout == ""  # the rows are in the folder; the bar and the summary on stderr
    assert "file/s" in first.stderr and "1 stored in the history database" in first.stderr
    assert "1 already done (skipped)" in again.stderr and "stored" not in again.stderr
    with open(tmp_path / "out" / "results.csv", newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["id"], row["cohort"], row["channel"], row["ok"]) == ("p1", "2024", "text", "True")
    store = HistoryStore(database, STORED_KINDS)
    assert store.count("text") == 1
    store.close()
