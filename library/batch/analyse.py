"""Analyse files in batch, outside the web app: videos, voice recordings, PDFs and text files.

    engines = Engines()                       # models load on first need, once
    row = analyse_file(Path("answer.mp4"), engines)
    print(format_table([row]))

The kind of each file is decided by its content, never its name: a PDF header or text ->
"text"; an MP4/MOV/WebM/Matroska container with a video track -> "video"; a WAV, FLAC,
OGG, MP3, M4A or audio-only WebM -> "audio". Each file gives one row: ``ok`` with its
figures, or ``ok: False`` with the reason (a bad file never stops the batch). Nothing is
stored: this reads the files and prints what the models make of them. Each kind is read by the
function the web app's API calls, under the same limits (library/limits.py), so a file gives the same row here
as there.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from library.batch.loaders import Engines
from library.errors import InputError
from library.limits import Limits, default_limits
from library.registry import CHANNEL_NAMES

KINDS: tuple[str, ...] = CHANNEL_NAMES  # what a file can be read as


def _has_video_track(data: bytes) -> bool:
    import av

    from library.iso_tables import check_iso_tables
    from library.video.video_file import sniff_container

    try:
        if sniff_container(data[:16]) == "iso":
            check_iso_tables(io.BytesIO(data))  # FFmpeg builds an MP4's index in av.open: counted first
        with av.open(io.BytesIO(data), mode="r") as container:
            return bool(container.streams.video)
    except (av.FFmpegError, ValueError, OSError):
        return False


def detect_kind(data: bytes) -> str:
    """"video", "audio" or "text" from the content (see the module doc)."""
    from library.audio.decode import sniff as sniff_audio
    from library.video.video_file import sniff_container

    if b"%PDF-" in data[:1024]:
        return "text"
    head = data[:64]
    if sniff_container(head) is not None and _has_video_track(data):
        return "video"
    if sniff_audio(head) is not None:
        return "audio"
    return "text"  # read_text_upload refuses binary files with a clear message


def _video(data: bytes, engines: Engines, limits: Limits) -> dict[str, Any]:
    from library.video.upload import analyse_video_upload

    return analyse_video_upload(data, limits, engines).public()


def _audio(data: bytes, engines: Engines, limits: Limits) -> dict[str, Any]:
    from library.audio.upload import analyse_audio_upload

    return analyse_audio_upload(data, limits, engines).to_dict()


def _text(data: bytes, name: str, engines: Engines, limits: Limits) -> dict[str, Any]:
    from library.interview.engine import written_answer_analysis
    from library.text.written import text_of_upload

    return written_answer_analysis(text_of_upload(data, name, limits), limits, engines).to_dict()


def analyse_file(path: Path, engines: Engines, limits: Limits | None = None) -> dict[str, Any]:
    """One file -> ``{"file", "kind", "ok", "summary", "scores"}`` or ``{"file", "kind", "ok": False, "error"}``.
    ``engines``: a ModelCache; ``limits``: library/limits.py (default: the app's defaults and ``ESAPR_*``)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {"file": str(path), "kind": None, "ok": False, "error": f"cannot read the file ({exc.strerror or exc})"}
    return analyse_bytes(data, path, engines, limits)


def analyse_bytes(data: bytes, path: Path, engines: Engines, limits: Limits | None = None) -> dict[str, Any]:
    """``analyse_file`` on bytes already read (``path`` names the file in the row and in messages)."""
    limits = limits or default_limits()
    row: dict[str, Any] = {"file": str(path), "kind": None}
    if not data:
        return {**row, "ok": False, "error": "the file is empty"}
    kind = row["kind"] = detect_kind(data)
    try:
        if kind == "video":
            scores = _video(data, engines, limits)
        elif kind == "audio":
            scores = _audio(data, engines, limits)
        else:
            scores = _text(data, Path(path).name, engines, limits)
    except InputError as exc:
        return {**row, "ok": False, "error": exc.message}
    except FileNotFoundError as exc:  # a model that is not trained yet
        return {**row, "ok": False, "error": str(exc)}
    return {**row, "ok": True, "summary": summary(kind, scores), "scores": scores}


def summary(kind: str, scores: dict[str, Any]) -> str:
    """One line per file for the table."""
    from library.stored_kinds import read_result

    result = read_result(kind, scores)
    if kind == "text":
        traits = ", ".join(f"{t[:4]} {p:.2f}" for t, p in result.traits.items())
        probs = result.fusion_emotion["probabilities"]
        top = max(probs, key=probs.get)
        return f"{result.word_count} words; emotion {top} {probs[top]:.0%}; Big Five {traits}"
    face = result.summary
    if kind == "video":
        if not face.mean_probabilities:
            return f"no face found in {result.frames_analysed} frames"
        blinks, voice = result.blinks_per_minute, result.voice
        return (f"{face.duration_s:.1f} s; face in {result.frames_with_face}/{result.frames_analysed} "
                f"frames; {face.dominant} {face.mean_probabilities[face.dominant]:.0%}"
                + (f"; {blinks:.0f} blinks/min" if blinks is not None else "")
                + (f"; voice {voice['dominant']}" if voice else "") + _said(result.transcript))
    dominant = face.dominant if face.confident is not False else f"unclear (leans {face.dominant})"
    line = (f"{face.duration_s:.1f} s; {dominant} {face.mean_probabilities[face.dominant]:.0%}; "
            f"voiced {result.voiced_fraction:.0%}")
    return line + _said(result.transcript)


def _said(transcript: dict[str, Any] | None) -> str:
    if transcript is None:
        return ""
    said = transcript["text"] or "(no words recognised)"
    unsure = "" if transcript["confident"] or not transcript["text"] else " (unsure)"
    return f'; said "{said}"' + unsure + _translated(transcript)


def _translated(transcript: dict[str, Any]) -> str:
    translation = transcript.get("translation")
    return f' [{transcript["language"]}; in English: "{translation["text"]}"]' if translation else ""


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table: file, kind, and the summary or the error."""
    lines = [("file", "kind", "result")]
    for row in rows:
        lines.append((row["file"], row["kind"] or "?", row["summary"] if row["ok"] else f"ERROR: {row['error']}"))
    widths = [max(len(line[i]) for line in lines) for i in range(2)]
    out = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in lines]
    out.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 6}")
    return "\n".join(out)

