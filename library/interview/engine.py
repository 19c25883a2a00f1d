"""The interview's central step without Flask: read the written answer, build the report, rebuild it later.

- ``written_answer_analysis``: the written answer's Big Five AND text emotion, so the words speak the
  face's language. The text is analysed in memory and never stored.
- ``report_scores``: when the interview finishes, each answered step's stored scores are fused with the
  reliability measured *now* (``combine.py``); what it returns is stored as the interview's analysis, with the
  inputs it came from (numbers, no words), so a later retrain changes later reports, not this one.
- ``current_report``: the stored report as it stands today: an answer deleted since no longer counts
  (the report is combined again from the stored inputs without it, same figures as on the day).

The web app (web/interview*.py) and the command line (``python main.py analyze --interview``) both call these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from library.emotions import EMOTIONS
from library.errors import UnprocessableInput
from library.interview.combine import answer_inputs, combine
from library.interview.reliability import ChannelReliability
from library.interview.session import SKIPPED
from library.model_ids import merged
from library.registry import CHANNELS
from library.results import StoredResult, unknown_keys



def fusion_emotion(reading) -> dict[str, Any]:
    """``{"probabilities": {emotion: p}, "extra": {"shame": p, "guilt": p}}`` for the fusion, from the text's
    ``EmotionReading`` (the same calibrated probabilities the page shows, so the model runs once). The
    probabilities are not renormalised: they sum to 1 - shame - guilt, as the fusion expects; surprise and neutral,
    which the words cannot show, are 0."""
    from library.text.emotion import EXTRA_LABELS

    p = reading.probabilities
    return {"probabilities": {e: round(float(p.get(e, 0.0)), 4) for e in EMOTIONS},
            "extra": {label: round(float(p[label]), 4) for label in EXTRA_LABELS}}


@dataclass
class InterviewResult:
    """What a finished interview stores: which answers it used, the report as built that day (the fused reading,
    each channel's measured reliability, suggestions: ``InterviewReport.to_dict()``, which the page lays out),
    the pooled words (``WordsReading.to_dict()``) and the numbers it was combined from (``inputs``: no words),
    so that it can be combined again without an answer deleted since."""

    steps: dict[str, str]  # step -> the answer's analysis id, or SKIPPED
    big_five: dict[str, float] | None  # the written answer's traits; None without one
    report: dict[str, Any]
    words: dict[str, Any]
    inputs: dict[str, Any] | None  # None: reports from before the inputs were kept
    models: list[dict[str, Any]] | None = None  # the files that made its answers (library/model_ids.py); None: older
    extra: dict[str, Any] = field(default_factory=dict)  # stored keys of other ages, kept as they were

    def to_dict(self) -> dict[str, Any]:
        out = {"steps": self.steps, "big_five": self.big_five, "report": self.report, "words": self.words}
        if self.inputs is not None:
            out["inputs"] = self.inputs
        if self.models is not None:
            out["models"] = self.models
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, scores: Mapping[str, Any]) -> InterviewResult:
        return cls(steps=dict(scores.get("steps") or {}), big_five=scores.get("big_five"),
                   report=scores.get("report") or {}, words=scores.get("words") or {}, inputs=scores.get("inputs"),
                   models=scores.get("models"),
                   extra=unknown_keys(scores, ("steps", "big_five", "report", "words", "inputs", "models")))

    def answered(self) -> dict[str, str]:
        """Step -> analysis id of the steps that were answered (not skipped)."""
        return {step: aid for step, aid in self.steps.items() if aid and aid != SKIPPED}


def written_answer_analysis(text: str, limits, models):
    """What is stored for a written answer (the interview's, or a text in a batch): a ``TextAnalysis`` with the
    Big Five, the emotion reading the page shows (unclear/neutral, the words that pushed it) and the probabilities
    the fusion takes (``UnprocessableInput`` when it is too short). ``limits``: library/limits.py; ``models``: a
    ModelCache."""
    from library.text.written import analyse_written

    analysis = analyse_written(text, limits, models)
    analysis.fusion_emotion = fusion_emotion(analysis.emotion_reading)
    return analysis


def report_scores(steps: Mapping[str, str | None], rows: Mapping[str, StoredResult | None],
                  reliability: Mapping[str, ChannelReliability]) -> InterviewResult:
    """What a finished interview stores. ``steps``: step -> analysis id or SKIPPED; ``rows``: the answered
    steps' analyses (None: deleted before the end, which counts as not answered, words and all).
    ``UnprocessableInput`` when no step gave a reading."""
    inputs = answer_inputs({c: result for c, result in rows.items() if result is not None}, reliability)
    report, words = combine(inputs)
    text_row = rows.get("text")
    return InterviewResult(steps={s: (v if v is not None else SKIPPED) for s, v in steps.items()},
                           big_five=text_row.traits if text_row else None, report=report.to_dict(),
                           words=words.to_dict(), inputs=inputs,
                           models=merged([getattr(r, "models", None) or [] for r in rows.values() if r is not None]))


def deleted_steps(result: InterviewResult, present: Mapping[str, bool]) -> list[str]:
    """Answered steps of a stored report whose analysis no longer exists (``present``: step -> still stored)."""
    return [step for step in result.answered() if not present.get(step)]


def current_report(result: InterviewResult, gone: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored report and its words, or, when answers it used (``gone``) have been deleted since, the
    report combined again from the stored inputs without them (a deleted answer must not keep counting)."""
    stored = result.report, result.words
    if not gone:
        return stored
    said = " and ".join(CHANNELS[s].answer for s in gone)
    note = f"Your {said} {'was' if len(gone) == 1 else 'were'} deleted after this report was made, so "
    try:
        report, words = combine(result.inputs, gone=gone) if result.inputs is not None else (None, None)
    except UnprocessableInput:
        report, words = None, None
    if report is None:  # nothing left to combine, or a report from before its inputs were kept: said plainly
        stored[0]["fused"]["notes"].append(note + "these figures can no longer be combined without it; delete "
                                           "this report too to remove it.")
        return stored
    report.fused.notes.append(note + "this report now leaves it out.")
    return report.to_dict(), words.to_dict()
