"""One flat output row per file: the columns a research group loads into its statistics.

The nested figures (timelines, segments, top words) stay whole in ``scores_json`` (Parquet only), which
is also what ``--store`` writes to the history database, in the shape the web app stores.
"""

from __future__ import annotations

import json
from typing import Any

from library.emotions import EMOTIONS
from library.stored_kinds import read_result
from library.text.personality.traits import TRAITS

# (name, type) in output order; "str", "float", "int", "bool", all nullable.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "str"), ("path", "str"), ("sha256", "str"), ("bytes", "int"), ("channel", "str"), ("ok", "bool"),
    ("error", "str"), ("duration_s", "float"), ("dominant", "str"), ("confident", "bool"),
    *((f"emotion_{e}", "float") for e in EMOTIONS),
    *((f"trait_{t}", "float") for t in TRAITS),
    ("word_count", "int"), ("transcript", "str"), ("transcript_confident", "bool"), ("words_dominant", "str"),
    ("voice_dominant", "str"), ("frames_analysed", "int"), ("frames_with_face", "int"),
    ("models", "str"), ("seconds", "float"),
)
NAMES = tuple(name for name, _ in COLUMNS)
SCORES = "scores_json"
# Columns that say how a run went, not what the file holds: they differ between runs and engines.
RUN_COLUMNS = ("seconds",)


def flatten(result: dict[str, Any]) -> dict[str, Any]:
    """The flat columns of one ``analyse_bytes`` result (``{"kind", "ok", "scores"|"error"}``)."""
    row: dict[str, Any] = dict.fromkeys(NAMES[4:])
    row.update(channel=result.get("kind"), ok=bool(result["ok"]), error=result.get("error"))
    if not result["ok"]:
        return row
    kind = result["kind"]
    analysis = read_result(kind, result["scores"])
    # Which files made the row (name, version, hash: library/model_ids.py), as JSON text in one column
    row["models"] = json.dumps(analysis.models, sort_keys=True) if analysis.models is not None else None
    if kind == "text":
        probabilities = analysis.fusion_emotion["probabilities"]
        row.update(dominant=max(probabilities, key=probabilities.get), word_count=analysis.word_count)
        _emotions(row, probabilities)
        _traits(row, analysis.traits)
        return row
    summary = analysis.summary
    row.update(duration_s=summary.duration_s, dominant=summary.dominant)
    _emotions(row, summary.mean_probabilities)
    if kind == "audio":
        row["confident"] = summary.confident
    else:
        row.update(frames_analysed=analysis.frames_analysed, frames_with_face=analysis.frames_with_face,
                   voice_dominant=(analysis.voice or {}).get("dominant"))
    transcript, words = analysis.transcript, analysis.words
    if transcript:
        row.update(transcript=transcript["text"], transcript_confident=transcript["confident"])
    if words:
        row.update(word_count=words["word_count"], words_dominant=words["dominant"])
        _traits(row, words.get("traits"))
    return row


def _emotions(row: dict[str, Any], probabilities: dict[str, float] | None) -> None:
    for emotion in EMOTIONS:
        row[f"emotion_{emotion}"] = None if probabilities is None else probabilities[emotion]


def _traits(row: dict[str, Any], traits: dict[str, float] | None) -> None:
    for trait in TRAITS:
        row[f"trait_{trait}"] = None if traits is None else traits[trait]


def scores_json(result: dict[str, Any]) -> str | None:
    return json.dumps(result["scores"], ensure_ascii=False, sort_keys=False) if result["ok"] else None


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A row without the columns that describe the run (for comparing two runs or two engines)."""
    return {k: v for k, v in row.items() if k not in RUN_COLUMNS}
