"""Typed face and voice results read the same from rows of every age, whichever key held what."""

from __future__ import annotations

import pytest

from library.emotions import EMOTIONS
from library.results import EmotionSummary


def _probs(top: str, p: float) -> dict[str, float]:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return {e: (p if e == top else rest) for e in EMOTIONS}


TIMELINE = [{"t": 0.0, "probabilities": _probs("happy", 0.6)}, {"t": 0.2, "probabilities": _probs("happy", 0.5)},
            {"t": 0.4, "probabilities": _probs("sad", 0.7)}, {"t": 0.6, "probabilities": _probs("happy", 0.4)}]


def test_a_face_row_means_over_frames_and_counts_the_share_on_top():
    stored = {"source": "live", "duration_s": 0.6, "frames_analysed": 4, "frames_with_face": 4,
              "distribution": _probs("happy", 0.5), "dominant": "happy", "blinks": 1, "timeline": TIMELINE}
    summary = EmotionSummary.from_scores("video", stored)
    assert summary.mean_probabilities == stored["distribution"]
    assert summary.share_of_time["happy"] == 0.75 and summary.share_of_time["sad"] == 0.25
    assert summary.extra == {"source": "live", "frames_analysed": 4, "frames_with_face": 4, "blinks": 1}
    assert summary.confident is None  # the row did not say


def test_a_voice_row_keeps_the_whole_clip_reading_apart_from_the_share_of_seconds():
    share = {e: 0.0 for e in EMOTIONS} | {"happy": 0.75, "sad": 0.25}
    stored = {"duration_s": 0.8, "timeline": TIMELINE, "distribution": share, "dominant": "happy",
              "mean_probabilities": _probs("happy", 0.45), "voiced_fraction": 0.9, "confident": True}
    summary = EmotionSummary.from_scores("audio", stored)
    assert summary.mean_probabilities == stored["mean_probabilities"] and summary.share_of_time == share
    assert summary.to_dict()["mean_probabilities"]["happy"] == pytest.approx(0.45)


def test_no_face_in_any_frame_reads_as_nothing_and_text_is_not_an_emotion_summary():
    summary = EmotionSummary.from_scores("video", {"distribution": None, "timeline": [], "dominant": None})
    assert summary.mean_probabilities is None and summary.share_of_time is None
    with pytest.raises(ValueError):
        EmotionSummary.from_scores("text", {})
