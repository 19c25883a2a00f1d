"""An interview report from three files, without the web app: the same engine, the same figures.

    report = interview_from_files(Path("video.mp4"), None, Path("essay.txt"), Engines())   # None: skipped

Each file is analysed as the batch analyses it (analyse.py, the web app's models and limits), then fused
exactly as a finished web interview is (library/interview/engine.py). Nothing is stored. It sits in the batch
layer, above the interview engine it calls, so that the interview package never reaches up to the batch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from library.batch.analyse import analyse_file
from library.errors import BadInput
from library.interview.engine import current_report, report_scores
from library.interview.reliability import load_reliability
from library.interview.session import SKIPPED
from library.registry import CHANNEL_NAMES
from library.stored_kinds import read_result


def interview_from_files(video: Path | None, audio: Path | None, text: Path | None, engines,
                         models_dir: str | Path | None = None) -> dict[str, Any]:
    """The report of an interview whose answers are these files (None: the step was skipped).

    ``BadInput`` when a file is unreadable or not of its step's kind (a voice recording given as the video
    answer, say); ``UnprocessableInput`` when no answer gives a reading."""
    files = dict(zip(CHANNEL_NAMES, (video, audio, text)))
    rows: dict[str, dict[str, Any]] = {}
    answers: dict[str, Any] = {}
    for step, path in files.items():
        if path is None:
            continue
        row = analyse_file(Path(path), engines)
        if not row["ok"]:
            raise BadInput(f"{path} (the {step} answer): {row['error']}")
        if row["kind"] != step:
            raise BadInput(f"{path} was given as the {step} answer but holds {row['kind']}.")
        rows[step] = read_result(step, row["scores"])
        answers[step] = {"file": str(path), "summary": row["summary"]}
    steps = {step: (str(path) if path is not None else SKIPPED) for step, path in files.items()}
    result = report_scores(steps, rows, load_reliability(models_dir))
    report, words = current_report(result, [])
    return {"steps": result.steps, "answers": answers, "report": report, "words": words, "big_five": result.big_five}
