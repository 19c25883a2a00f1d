"""The interview report for the request's owner: fuse the answered steps when the interview ends (the engine,
library/interview/engine.py, does the work), and lay the result out.

Two stages, so a report reads the same later as on the day:

- ``report_scores`` runs once, when the interview finishes: each answered channel's mean
  probabilities (video: the summary's ``distribution``; audio: ``mean_probabilities``;
  words: the written answer's text-emotion row pooled with the transcripts' of the video
  and voice answers, library/interview/words.py) are fused with the reliability measured
  *now*, and the figures, the reliability wording and the suggestions are stored in the
  interview's analysis, with the inputs they came from (numbers, no words). A later retrain
  changes later reports, not this one.
- ``report_view`` runs at each view: it adds the channel dashboards' pieces (timelines,
  what was said, Big Five with percentiles) and the comparisons with earlier interviews,
  read from the history as it is then. An answer deleted since no longer counts: the
  report is combined again from the stored inputs without it (same figures as on the day),
  and its words are gone with it (they were only ever read from its own row).
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from library.emotions import EMOTIONS
from library.history.emotion_compare import compare_emotions
from library.history.text_compare import compare_text
from library.interview import engine, load_reliability
from library.interview.percent import whole_percents
from library.registry import CHANNELS, TIMELINE_CHANNELS
from library.text import TRAITS
from web.platform.extensions import earlier, min_users_for_words, store
from web.interview.session import SKIPPED, InterviewState
from web.wording import lean, lean_key, ordinal_percentile

CHANNEL_TITLES = {name: channel.report_title for name, channel in CHANNELS.items()}


def report_scores(state: InterviewState) -> engine.InterviewResult:
    """What the finished interview stores (library/interview/engine.py); ``UnprocessableInput`` when no step
    gave a reading."""
    rows = {step: store().get_owned(aid, channel=step) for step, aid in state.answered.items()}
    return engine.report_scores(state.steps, {c: row.result if row is not None else None for c, row in rows.items()},
                                load_reliability(current_app.config["MODELS_DIR"]))


def _emotion_percentiles(mine: dict[str, float], earlier_interviews) -> list[dict[str, Any]]:
    """``earlier_interviews``: the earlier interviews (``Earlier``); their fused probabilities, one row each, columns
    in EMOTIONS order, and their means as published (library/history/disclosure.py)."""
    others, release, out = earlier_interviews.present("fused"), earlier_interviews.release, []
    for index, e in enumerate(EMOTIONS):
        column = others[:, index]
        value = float(mine.get(e, 0.0))
        rank, tied = release.percentile(f"fused.{e}", value, column)  # the count below noised (disclosure.py)
        out.append({"emotion": e, "probability": value,
                    "earlier_mean": release.mean(f"fused.{e}", column),
                    "percentile_words": ordinal_percentile(rank, column.size, tied)})
    return out


def report_view(analysis) -> dict[str, Any]:
    """Everything the report page (and its downloads) shows, as plain data, plus chart specs."""
    from web import charts  # Altair and pandas load on the first report, not at start-up

    interview = analysis.result
    rows = {step: store().get_owned(aid, channel=step) if aid != SKIPPED else None
            for step, aid in interview.steps.items()}
    gone = engine.deleted_steps(interview, {step: row is not None for step, row in rows.items()})
    report, words = engine.current_report(interview, gone)
    fused = report["fused"]
    previous = earlier("interview", analysis.seq)
    others = previous.present("fused")
    among = _emotion_percentiles(fused["probabilities"], previous)
    published = {e["emotion"]: e["earlier_mean"] for e in among} if among[0]["earlier_mean"] is not None else None
    specs: dict[str, dict] = {
        "fused": charts.distribution_chart(fused["probabilities"], published, EMOTIONS),
        "channels": charts.channels_chart(
            {c: r["probabilities"] for c, r in fused["readings"].items()}, fused["probabilities"], EMOTIONS),
    }
    channels: dict[str, dict[str, Any]] = {}
    for step, aid in interview.steps.items():
        row = rows[step]
        entry: dict[str, Any] = {"title": CHANNEL_TITLES[step], "skipped": aid == SKIPPED,
                                 "deleted": aid != SKIPPED and row is None,
                                 "id": row.id if row else None, "reading": fused["readings"].get(step),
                                 "summary": None, "words_share": (words.get("weights") or {}).get(step),
                                 # what was said: read from the answer's own row, so it goes when that does
                                 "transcript": getattr(row.result, "transcript", None) if row is not None else None}
        if row is not None:
            entry["summary"], channel_specs = _channel_summary(step, row, charts)
            specs.update(channel_specs)
        channels[step] = entry
    big_five = None
    if channels["text"]["id"]:
        text_row = rows["text"]  # read above, as its owner's
        big_five = compare_text(text_row.result, earlier("text", text_row.seq), TRAITS, min_users_for_words())
        big_five["lean_key"] = lean_key()
        for item in big_five["traits"]:
            item["lean"] = lean(item["probability"])
            item["percentile_words"] = ordinal_percentile(item["percentile"], big_five["n_earlier"], item.get("tied"))
        specs["traits"] = charts.trait_chart(big_five["traits"])
    return {
        "id": analysis.id,
        "created_at": analysis.created_at.isoformat(),
        # answers deleted since the report was made, and whether the figures could be made again without them
        "deleted": gone,
        "recombined": bool(gone) and report is not interview.report,
        # whole percentages that add up to 100 (library/interview/percent.py): the page shows these
        "percent": {"weights": whole_percents(fused["weights"]), "words": whole_percents(words.get("weights") or {}),
                    "fused": whole_percents(fused["probabilities"])},
        "report": report,
        "words": words,
        "channels": channels,
        "big_five": big_five,
        "n_earlier_interviews": int(others.shape[0]),
        "fused_among_earlier": among,
        "specs": specs,
    }


def _channel_summary(step: str, row, charts) -> tuple[dict[str, Any], dict[str, dict]]:
    """One channel's figures for the report, and its charts (timeline; the text's emotion row)."""
    result = row.result
    specs: dict[str, dict] = {}
    if step in TIMELINE_CHANNELS:
        view = compare_emotions(result, earlier(step, row.seq), EMOTIONS)
        if result.timeline:
            specs[f"{step}_timeline"] = charts.emotion_timeline_chart(result.timeline, EMOTIONS)
        summary = {"dominant": result.dominant, "duration_s": result.duration_s,
                   "earlier_most_common": view["earlier_most_common"], "n_earlier": view["n_earlier"]}
        if step == "video":
            summary.update(frames_analysed=result.frames_analysed, frames_with_face=result.frames_with_face,
                           blinks_per_minute=result.blinks_per_minute,
                           blink_words=ordinal_percentile(view["blink_percentile"], view["n_earlier_blinks"],
                                                          view.get("blink_tied")))
        else:
            summary.update(voiced_fraction=result.voiced_fraction, clipped=result.clipped)
        return summary, specs
    emotion = result.fusion_emotion or {}
    probs = emotion.get("probabilities") or {}
    dominant = max(probs, key=probs.get) if probs else None
    return {"dominant": dominant, "word_count": result.word_count, "extra": emotion.get("extra")}, specs
