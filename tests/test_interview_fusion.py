"""Late fusion of face, voice and words: known inputs, hand-computed outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from library.emotions import EMOTIONS
from library.errors import UnprocessableInput
from library.interview.fusion import (CHANCE, FAIRLY_HIGH_MARGIN, LOW_MARGIN, agreement, channel_weight,
                                      confidence_word, fuse)

I = {e: i for i, e in enumerate(EMOTIONS)}
EQUAL = {"video": 0.6, "audio": 0.6, "text": 0.6}  # equal reliability -> equal base weights


def vec(**probs) -> np.ndarray:
    v = np.zeros(len(EMOTIONS))
    for e, p in probs.items():
        v[I[e]] = p
    return v


def spread(emotion: str, p: float) -> np.ndarray:
    """``p`` on one emotion, the rest spread evenly over the other six."""
    v = np.full(len(EMOTIONS), (1 - p) / 6)
    v[I[emotion]] = p
    return v


def probs(result) -> np.ndarray:
    return np.array([result.probabilities[e] for e in EMOTIONS])


def test_two_channels_agreeing_on_happy_with_equal_weights_average_exactly():
    r = fuse({"video": spread("happy", 0.8), "audio": spread("happy", 0.4)}, EQUAL)
    assert r.probabilities["happy"] == pytest.approx(0.6)
    for e in EMOTIONS:
        if e != "happy":
            assert r.probabilities[e] == pytest.approx((0.2 / 6 + 0.6 / 6) / 2)
    assert sum(r.probabilities.values()) == pytest.approx(1.0)
    assert r.dominant == "happy" and r.state == "happy"
    assert r.weights == pytest.approx({"video": 0.5, "audio": 0.5})
    assert r.readings["video"].dominant == r.readings["audio"].dominant == "happy"
    pair = r.agreements[0]
    assert pair.channels == ("video", "audio") and pair.dominants_match is True
    # margin = 0.6 - 0.4/6 = 0.5333 -> fairly high; agreement 1 - sqrt(JSD) of these two rows
    assert r.margin == pytest.approx(0.6 - 0.8 / 12)
    assert r.confidence == "fairly high"
    assert pair.agreement == pytest.approx(agreement(spread("happy", 0.8), spread("happy", 0.4)))
    assert r.coherence_score == pytest.approx(pair.agreement)


def test_weights_are_reliability_above_chance():
    assert channel_weight(CHANCE) == 0.0
    assert channel_weight(0.1) == 0.0
    assert channel_weight(0.611) == pytest.approx(0.611 - 1 / 7)
    # 0.3 and 0.1 above chance -> 3:1
    rel = {"video": CHANCE + 0.3, "audio": CHANCE + 0.1}
    r = fuse({"video": vec(happy=1.0), "audio": vec(sad=1.0)}, rel)
    assert r.weights == pytest.approx({"video": 0.75, "audio": 0.25})
    assert r.probabilities["happy"] == pytest.approx(0.75)
    assert r.probabilities["sad"] == pytest.approx(0.25)
    assert r.readings["video"].weight == pytest.approx(0.75)


def test_contradicting_channels_are_low_coherence_and_never_fairly_high():
    rel = {"video": CHANCE + 0.3, "audio": CHANCE + 0.1}
    r = fuse({"video": vec(happy=1.0), "audio": vec(sad=1.0)}, rel)
    assert r.agreements[0].agreement == pytest.approx(0.0)  # no overlap at all
    assert r.agreements[0].dominants_match is False
    assert r.coherence == "low"
    assert r.margin == pytest.approx(0.5)  # would be "fairly high" on its own ...
    assert r.confidence == "moderate"  # ... but the channels contradict each other
    assert r.state == "mixed"


def test_identical_channels_agree_fully():
    p = spread("neutral", 0.7)
    r = fuse({"video": p, "audio": p}, EQUAL)
    assert r.agreements[0].agreement == pytest.approx(1.0)
    assert r.coherence == "high"
    assert probs(r) == pytest.approx(p)


def test_text_zeros_do_not_pull_surprise_or_neutral_down():
    video = vec(angry=0.1, happy=0.5, surprise=0.3, neutral=0.1)
    text = vec(happy=0.4, sad=0.4)  # sums to 0.8: 0.2 was shame/guilt
    rel = {"video": CHANCE + 0.5, "text": CHANCE + 0.5}
    r = fuse({"video": video, "text": text}, rel)
    alone = fuse({"video": video}, rel)
    assert r.probabilities["surprise"] == pytest.approx(0.3) == alone.probabilities["surprise"]
    assert r.probabilities["neutral"] == pytest.approx(0.1) == alone.probabilities["neutral"]
    # Inside the text's five labels: video's shares there (angry 1/6, happy 5/6) weighted 0.5,
    # the text's renormalised row (happy 1/2, sad 1/2) weighted 0.5 x coverage 0.8 = 0.4,
    # scaled back to the 0.6 the video left on the five.
    assert r.probabilities["angry"] == pytest.approx(0.6 * (0.5 / 6) / 0.9)  # 1/18
    assert r.probabilities["happy"] == pytest.approx(0.6 * (0.5 * 5 / 6 + 0.4 * 0.5) / 0.9)  # 37/90
    assert r.probabilities["sad"] == pytest.approx(0.6 * 0.2 / 0.9)  # 2/15
    assert r.probabilities["fear"] == 0 and r.probabilities["disgust"] == 0
    assert sum(r.probabilities.values()) == pytest.approx(1.0)
    assert r.weights == pytest.approx({"video": 0.5 / 0.9, "text": 0.4 / 0.9})
    assert r.readings["text"].coverage == pytest.approx(0.8)
    # agreement is measured over the five shared labels only
    assert r.agreements[0].shared_labels == ["angry", "disgust", "fear", "happy", "sad"]
    assert any("shame or guilt" in n for n in r.notes)
    assert any("surprise or neutral" in n for n in r.notes)


def test_text_does_not_raise_surprise_either_when_it_agrees():
    # The text agrees with the face about the five labels: nothing moves.
    video = vec(happy=0.5, surprise=0.5)
    r = fuse({"video": video, "text": vec(happy=0.9)}, EQUAL)
    assert probs(r) == pytest.approx(video)


def test_text_weight_shrinks_with_its_shame_and_guilt_mass():
    video = vec(happy=1.0)
    full = fuse({"video": video, "text": vec(sad=1.0)}, EQUAL)
    half = fuse({"video": video, "text": vec(sad=0.5)}, EQUAL)  # half of it was shame/guilt
    assert full.weights["text"] == pytest.approx(0.5)
    assert half.weights["text"] == pytest.approx(1 / 3)
    assert half.probabilities["sad"] == pytest.approx(1 / 3)
    assert full.probabilities["sad"] == pytest.approx(0.5)


def test_text_alone_reports_with_surprise_and_neutral_at_zero():
    r = fuse({"text": vec(happy=0.6, sad=0.2), "video": None, "audio": None}, EQUAL)
    assert r.channels_used == ["text"] and r.channels_missing == ["video", "audio"]
    assert r.probabilities["happy"] == pytest.approx(0.75)
    assert r.probabilities["sad"] == pytest.approx(0.25)
    assert r.probabilities["surprise"] == 0 and r.probabilities["neutral"] == 0
    # the margin is read before the shame/guilt mass is spread: 0.8 x (0.75 - 0.25) = 0.6 - 0.2
    assert r.margin == pytest.approx(0.4)
    assert r.coherence == "not applicable" and r.coherence_score is None and r.agreements == []
    assert r.weights == {"text": 1.0}


def test_one_channel_reports_alone():
    r = fuse({"audio": spread("angry", 0.5)}, {"audio": 0.5})
    assert r.channels_used == ["audio"]
    assert r.channels_missing == ["video", "text"]
    assert probs(r) == pytest.approx(spread("angry", 0.5))
    assert r.coherence == "not applicable"
    assert any("No reading from the face or the words" in n for n in r.notes)


def test_missing_channel_others_still_report():
    r = fuse({"video": spread("sad", 0.6), "audio": None, "text": vec(sad=0.7)}, EQUAL)
    assert r.channels_used == ["video", "text"] and r.channels_missing == ["audio"]
    assert r.dominant == "sad"


def test_no_channel_is_a_clear_error():
    with pytest.raises(UnprocessableInput, match="no channel gave a reading"):
        fuse({"video": None, "audio": None, "text": None}, EQUAL)
    with pytest.raises(UnprocessableInput):
        fuse({}, EQUAL)


def test_confidence_words_at_their_thresholds():
    assert (LOW_MARGIN, FAIRLY_HIGH_MARGIN) == (0.10, 0.30)
    assert confidence_word(0.0) == "low"
    assert confidence_word(0.0999) == "low"
    assert confidence_word(0.10) == "moderate"
    assert confidence_word(0.2999) == "moderate"
    assert confidence_word(0.30) == "fairly high"
    assert confidence_word(1.0) == "fairly high"


def test_confidence_from_the_fused_margin():
    assert fuse({"video": spread("happy", 0.2)}, EQUAL).confidence == "low"  # 0.2 - 0.8/6 = 0.067
    r = fuse({"video": vec(happy=0.4, sad=0.2, fear=0.2, angry=0.2)}, EQUAL)  # margin 0.2
    assert (r.confidence, r.state) == ("moderate", "happy")
    flat = fuse({"video": np.full(7, 1 / 7)}, EQUAL)
    assert (flat.confidence, flat.state) == ("low", "mixed")


def test_agreement_extremes_and_symmetry():
    p, q = spread("happy", 0.6), spread("sad", 0.3)
    assert agreement(p, p) == pytest.approx(1.0)
    assert agreement(vec(happy=1.0), vec(sad=1.0)) == pytest.approx(0.0)
    assert agreement(p, q) == pytest.approx(agreement(q, p))
    assert 0 < agreement(p, q) < 1
    assert agreement(2 * p, p) == pytest.approx(1.0)  # compared as distributions


def test_coherence_partial_when_names_match_but_shapes_differ():
    r = fuse({"video": spread("happy", 0.8), "audio": spread("happy", 0.3)}, EQUAL)
    assert r.agreements[0].dominants_match is True
    assert 0.5 <= r.agreements[0].agreement < 0.7  # 0.563
    assert r.coherence == "partial"


def test_three_channels_pairs_and_coherence():
    r = fuse({"video": spread("happy", 0.6), "audio": spread("happy", 0.6), "text": vec(happy=0.6, sad=0.1)}, EQUAL)
    assert [a.channels for a in r.agreements] == [("video", "audio"), ("video", "text"), ("audio", "text")]
    assert all(a.dominants_match for a in r.agreements)
    assert r.dominant == "happy"


def test_channel_at_chance_counts_for_nothing():
    r = fuse({"video": vec(happy=1.0), "audio": vec(sad=1.0)}, {"video": 0.6, "audio": CHANCE})
    assert r.weights == pytest.approx({"video": 1.0, "audio": 0.0})
    assert r.probabilities["happy"] == pytest.approx(1.0)
    assert any("voice counted for nothing" in n for n in r.notes)


def test_all_channels_at_chance_are_averaged_with_low_confidence():
    r = fuse({"video": vec(happy=1.0), "audio": vec(happy=1.0)}, {"video": 0.1, "audio": 0.1})
    assert r.weights == pytest.approx({"video": 0.5, "audio": 0.5})
    assert r.probabilities["happy"] == pytest.approx(1.0)
    assert r.confidence == "low" and r.state == "mixed"


def test_dict_inputs_equal_arrays_and_rounded_rows_are_accepted():
    p = spread("fear", 0.52)
    as_dict = {e: round(float(v), 4) for e, v in zip(EMOTIONS, p)}
    a = fuse({"video": p}, EQUAL)
    b = fuse({"video": as_dict}, EQUAL)
    assert probs(a) == pytest.approx(probs(b), abs=1e-3)
    text_dict = {"happy": 0.5, "sad": 0.3}  # surprise/neutral left out
    assert fuse({"text": text_dict}, EQUAL).probabilities["happy"] == pytest.approx(0.625)
    assert fuse({"video": np.array([p])}, EQUAL).dominant == "fear"  # (1, 7) row


def test_result_exports_to_json():
    r = fuse({"video": spread("happy", 0.5), "audio": None, "text": vec(happy=0.5, angry=0.2)}, EQUAL)
    out = json.loads(json.dumps(r.to_dict()))
    assert set(out["probabilities"]) == set(EMOTIONS)
    assert out["channels_missing"] == ["audio"]
    assert out["readings"]["text"]["labels"] == ["angry", "disgust", "fear", "happy", "sad"]
    assert out["agreements"][0]["channels"] == ["video", "text"]


@pytest.mark.parametrize("channels, message", [
    ({"video": np.ones(6) / 6}, "expected 7"),
    ({"video": -spread("happy", 0.5)}, "non-negative"),
    ({"video": np.full(7, np.nan)}, "finite"),
    ({"video": np.ones(7) / 5}, "more than 1"),
    ({"video": np.zeros(7)}, "all probabilities are 0"),
    ({"video": {"joy": 1.0}}, "unknown emotion"),
    ({"text": vec(happy=0.5, surprise=0.5)}, "cannot express"),
])
def test_malformed_readings_are_rejected(channels, message):
    with pytest.raises(ValueError, match=message):
        fuse(channels, EQUAL)


def test_reliability_must_be_given_and_in_range():
    with pytest.raises(ValueError, match="no reliability for channel 'audio'"):
        fuse({"audio": spread("sad", 0.5)}, {"video": 0.6})
    with pytest.raises(ValueError, match="within 0..1"):
        fuse({"video": spread("sad", 0.5)}, {"video": 61.1})
