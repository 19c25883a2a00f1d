"""The interview report: fuse the answered steps when the interview ends, and lay the result out.

Two stages, so a report reads the same later as on the day:

- ``report_scores`` runs once, when the interview finishes: each answered channel's mean
  probabilities (video: the summary's ``distribution``; audio: ``mean_probabilities``;
  text: the stored text-emotion row) are fused with the reliability measured *now*, and
  the figures, the reliability wording and the suggestions are stored in the interview's
  analysis. A later retrain changes later reports, not this one.
- ``report_view`` runs at each view: it adds the channel dashboards' pieces (timelines,
  Big Five with percentiles) and the comparisons with earlier interviews, read from the
  history as it is then.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flask import current_app

from library.emotions import EMOTIONS
from library.errors import UnprocessableInput
from library.history import percentile
from library.history.emotion_compare import compare_emotions
from library.history.text_compare import compare_text
from library.interview import build_report, fuse, load_reliability, reliability_scores
from library.interview.fusion import CHANNEL_WORDS
from library.text import TRAITS
from web.extensions import earlier, min_users_for_words, store
from web.interview_session import SKIPPED, InterviewState
from web.wording import lean, ordinal_percentile

CHANNEL_TITLES = {"video": "Face (video answer)", "audio": "Voice (spoken answer)", "text": "Words (written answer)"}


def channel_probabilities(channel: str, scores: dict[str, Any]) -> dict[str, float] | None:
    """The mean probabilities fusion takes from one stored analysis (None: nothing usable)."""
    if channel == "video":
        return scores.get("distribution")  # None when no frame had a face
    if channel == "audio":
        return scores.get("mean_probabilities")
    if channel == "text":
        return (scores.get("emotion") or {}).get("probabilities")
    raise ValueError(f"unknown channel {channel!r}")


def report_scores(state: InterviewState) -> dict[str, Any]:
    """What the finished interview stores; ``UnprocessableInput`` when no step gave a reading."""
    rows = {step: store().get_owned(aid, channel=step) for step, aid in state.answered.items()}
    readings = {c: channel_probabilities(c, row.scores) for c, row in rows.items() if row is not None}
    reliability = load_reliability(current_app.config["MODELS_DIR"])
    scores = reliability_scores(reliability)
    left_out = [c for c, p in readings.items() if p is not None and c not in scores]
    usable = {c: p for c, p in readings.items() if p is not None and c in scores}
    if not usable:
        raise UnprocessableInput("There is nothing to report yet: answer at least one step "
                                 "(a video with your face in it, a voice answer, or a written answer).")
    fused = fuse(usable, scores)
    # A channel without a measured accuracy cannot be weighted honestly: it is left out, and said so.
    for c in left_out:
        fused.notes.append(f"The {CHANNEL_WORDS[c]} was left out of the combined reading: its model has no "
                           "measured accuracy yet.")
    if "video" in readings and readings["video"] is None:
        fused.notes.append("No face was found in the video answer, so the face could not take part.")
    report = build_report(fused, reliability)
    text_row = rows.get("text")
    return {
        "steps": {s: (v if v is not None else SKIPPED) for s, v in state.steps.items()},
        "big_five": text_row.scores.get("traits") if text_row else None,
        "report": report.to_dict(),
    }


def _emotion_percentiles(mine: dict[str, float], others: np.ndarray) -> list[dict[str, Any]]:
    """``others``: earlier interviews' fused probabilities, one row each, columns in EMOTIONS order."""
    out = []
    for index, e in enumerate(EMOTIONS):
        column = others[:, index]
        value = float(mine.get(e, 0.0))
        out.append({"emotion": e, "probability": value,
                    "earlier_mean": float(column.mean()) if column.size else None,
                    "percentile_words": ordinal_percentile(percentile(value, column), column.size)})
    return out


def report_view(analysis) -> dict[str, Any]:
    """Everything the report page (and its downloads) shows, as plain data, plus chart specs."""
    from web import charts  # Altair and pandas load on the first report, not at start-up

    scores = analysis.scores
    report = scores["report"]
    fused = report["fused"]
    others = earlier("interview", analysis.seq).present("fused")
    specs: dict[str, dict] = {
        "fused": charts.distribution_chart(fused["probabilities"], _mean(others), EMOTIONS),
        "channels": charts.channels_chart(
            {c: r["probabilities"] for c, r in fused["readings"].items()}, fused["probabilities"], EMOTIONS),
    }
    channels: dict[str, dict[str, Any]] = {}
    for step, aid in scores["steps"].items():
        row = store().get_owned(aid, channel=step) if aid != SKIPPED else None
        entry: dict[str, Any] = {"title": CHANNEL_TITLES[step], "skipped": aid == SKIPPED,
                                 "id": row.id if row else None, "reading": fused["readings"].get(step),
                                 "summary": None}
        if row is not None:
            entry["summary"], channel_specs = _channel_summary(step, row, charts)
            specs.update(channel_specs)
        channels[step] = entry
    big_five = None
    if channels["text"]["id"]:
        text_row = store().get_owned(channels["text"]["id"], channel="text")
        big_five = compare_text(text_row.scores, earlier("text", text_row.seq), TRAITS, min_users_for_words())
        for item in big_five["traits"]:
            item["lean"] = lean(item["probability"])
            item["percentile_words"] = ordinal_percentile(item["percentile"], big_five["n_earlier"])
        specs["traits"] = charts.trait_chart(big_five["traits"])
    return {
        "id": analysis.id,
        "created_at": analysis.created_at.isoformat(),
        "report": report,
        "channels": channels,
        "big_five": big_five,
        "n_earlier_interviews": int(others.shape[0]),
        "fused_among_earlier": _emotion_percentiles(fused["probabilities"], others),
        "specs": specs,
    }


def _mean(rows: np.ndarray) -> dict[str, float] | None:
    if not rows.shape[0]:
        return None
    return {e: float(v) for e, v in zip(EMOTIONS, rows.mean(axis=0))}


def _channel_summary(step: str, row, charts) -> tuple[dict[str, Any], dict[str, dict]]:
    """One channel's figures for the report, and its charts (timeline; the text's emotion row)."""
    s = row.scores
    specs: dict[str, dict] = {}
    if step in ("video", "audio"):
        view = compare_emotions(s, earlier(step, row.seq), EMOTIONS)
        if s.get("timeline"):
            specs[f"{step}_timeline"] = charts.emotion_timeline_chart(s["timeline"], EMOTIONS)
        summary = {"dominant": s.get("dominant"), "duration_s": s.get("duration_s"),
                   "earlier_most_common": view["earlier_most_common"], "n_earlier": view["n_earlier"]}
        if step == "video":
            summary.update(frames_analysed=s.get("frames_analysed"), frames_with_face=s.get("frames_with_face"),
                           blinks_per_minute=s.get("blinks_per_minute"),
                           blink_words=ordinal_percentile(view["blink_percentile"], view["n_earlier_blinks"]))
        else:
            summary.update(voiced_fraction=s.get("voiced_fraction"), clipped=s.get("clipped"))
        return summary, specs
    emotion = s.get("emotion") or {}
    probs = emotion.get("probabilities") or {}
    dominant = max(probs, key=probs.get) if probs else None
    return {"dominant": dominant, "word_count": s.get("word_count"), "extra": emotion.get("extra")}, specs
