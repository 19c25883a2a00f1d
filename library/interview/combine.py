"""An interview's answers -> its report: face and voice as they are, the words pooled from the written
answer and the transcripts (``words.py``), all fused with the measured reliability (``fusion.py``).

    inputs = answer_inputs({"video": video_scores, "audio": None, "text": text_scores}, load_reliability())
    report, words = combine(inputs)                      # when the interview finishes
    report, words = combine(inputs, gone={"video"})      # an answer deleted since: it no longer counts

``inputs`` is plain data (probabilities, word counts, the reliability figures of the day), kept in
the interview's stored figures, so a report can be made again without an answer the person deleted,
with the same figures as on the day and without reading any deleted row. It holds no words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from library.errors import UnprocessableInput
from library.interview.fusion import CHANNEL_WORDS, fuse
from library.interview.reliability import ChannelReliability, reliability_scores
from library.interview.report import InterviewReport, build_report
from library.interview.words import (SPOKEN_STEPS, SPOKEN_WORD_ERROR, WordsReading, WordsSource, pool_words,
                                     spoken_source)
from library.registry import TIMELINE_CHANNELS
from library.results import StoredResult


def channel_probabilities(channel: str, result: StoredResult) -> dict[str, float] | None:
    """The mean probabilities fusion takes from one analysis (None: nothing usable)."""
    if channel in TIMELINE_CHANNELS:  # None when no frame had a face
        return result.summary.mean_probabilities
    if channel == "text":
        return (result.fusion_emotion or {}).get("probabilities")
    raise ValueError(f"unknown channel {channel!r}")


def answer_inputs(answers: Mapping[str, StoredResult | None],
                  reliability: Mapping[str, ChannelReliability]) -> dict[str, Any]:
    """What ``combine`` needs from the answered steps' analyses (``None``: skipped or deleted)."""
    inputs: dict[str, Any] = {c: channel_probabilities(c, answers[c]) for c in TIMELINE_CHANNELS
                              if answers.get(c) is not None}
    words = []
    written = answers.get("text")
    if written is not None and channel_probabilities("text", written) is not None:
        words.append(WordsSource("text", dict(channel_probabilities("text", written)),
                                 int(written.word_count or 0)).to_dict())
    for step in SPOKEN_STEPS:
        source = spoken_source(step, answers[step]) if answers.get(step) is not None else None
        if source is not None:
            words.append(source.to_dict())
    inputs["words"] = words
    inputs["reliability"] = {c: r.to_dict() for c, r in reliability.items()}
    return inputs


def _words_reliability(text: ChannelReliability, words: WordsReading) -> ChannelReliability:
    """The text model's figure as the words channel used it: lowered for transcripts' word errors."""
    if not any(s.spoken for s in words.sources if s.step in words.weights):
        return text
    return replace(text, score=words.reliability,
                   measure=f"{text.measure}; spoken words counted at {1 - SPOKEN_WORD_ERROR:.0%} of it",
                   weaknesses=text.weaknesses + [
                       f"Spoken words are read from a transcript: the speech recogniser got about "
                       f"{SPOKEN_WORD_ERROR:.0%} of words wrong on clear English speech, more in a noisy room; "
                       "words spoken in another language are read from its machine translation into English."])


def combine(inputs: Mapping[str, Any], gone: Collection[str] = ()) -> tuple[InterviewReport, WordsReading]:
    """The report of ``answer_inputs``, leaving out the steps in ``gone``. ``UnprocessableInput`` when no
    answer gives a reading."""
    reliability = {c: ChannelReliability(**d) for c, d in inputs["reliability"].items()}
    scores = reliability_scores(reliability)
    readings = {c: inputs[c] for c in TIMELINE_CHANNELS if c in inputs and c not in gone}
    sources = [WordsSource.from_dict(d) for d in inputs.get("words", []) if d["step"] not in gone]
    words = WordsReading(None, None, {}, sources)
    left_out = [c for c, p in readings.items() if p is not None and c not in scores]
    if sources and "text" not in scores:
        left_out.append("text")
    elif sources:
        words = pool_words(sources, scores["text"])
        readings["text"] = words.probabilities
    usable = {c: p for c, p in readings.items() if p is not None and c in scores}
    if not usable:
        raise UnprocessableInput("There is nothing to report yet: answer at least one step "
                                 "(a video with your face in it, a voice answer, or a written answer).")
    if "text" in usable:
        reliability["text"] = _words_reliability(reliability["text"], words)
        scores["text"] = reliability["text"].score
    fused = fuse(usable, scores)
    fused.notes.extend(words.notes)
    # A channel without a measured accuracy cannot be weighted honestly: it is left out, and said so.
    for c in left_out:
        fused.notes.append(f"The {CHANNEL_WORDS[c]} was left out of the combined reading: its model has no "
                           "measured accuracy yet.")
    if "video" in readings and readings["video"] is None:
        fused.notes.append("No face was found in the video answer, so the face could not take part.")
    return build_report(fused, reliability), words
