"""Words for where a person stands, and for what each stored result is (issue 16: ties read "higher
than 50% of earlier users"; rows on "My results" showed only a date and a channel)."""

from __future__ import annotations

from library.history.compare import percentile, tied_share
from library.stored_kinds import read_result
from web.wording import describe_result, ordinal_percentile


def _words(value, others):
    return ordinal_percentile(percentile(value, others), len(others), tied_share(value, others))


def test_equal_scores_read_the_same_not_higher():
    assert _words(0.0, [0.0]) == "the same as the earlier user"  # a blink rate of 0 among zeros
    assert _words(0.0, [0.0] * 25) == "the same as every earlier user"
    assert _words(0.5, [0.5, 0.5, 0.1, 0.9]) == "higher than 25% of earlier users, the same as 50% (only 4 so far)"
    assert _words(0.5, [0.1, 0.2, 0.9, 1.0]) == "higher than 50% of earlier users (only 4 so far)"
    assert _words(0.2, [0.1] * 30) == "higher than 100% of earlier users"
    assert ordinal_percentile(None, 0) == "no earlier users yet"


def _described(kind: str, stored: dict) -> str:
    return describe_result(kind, read_result(kind, stored))  # as "My results" reads a stored row


def test_each_stored_result_says_what_it_is():
    text = _described("text", {"word_count": 312, "traits": {"openness": 0.81, "neuroticism": 0.55}})
    assert text == "312 words; openness: leans high"
    assert _described("video", {"source": "file", "frames_with_face": 40, "dominant": "happy",
                                "duration_s": 20.4}) == "uploaded video, face: happy, 20 s"
    assert _described("video", {"source": "live", "frames_with_face": 0, "duration_s": 45}) == \
        "live video, no face found, 45 s"
    assert _described("audio", {"dominant": "sad", "confident": False, "duration_s": 15}) == "voice: unclear, 15 s"
    interview = {"report": {"fused": {"dominant": "happy"}}, "steps": {"video": "a1", "audio": "skipped", "text": "t1"}}
    assert _described("interview", interview) == "combined: happy; 2 of 3 steps answered"


def test_trait_bands_read_from_the_percentage_shown():
    """0.57 read "no clear lean" and 0.42 "slight lean towards low": the bands are symmetric on the whole
    percentage the page shows, and the page states them (lean_key)."""
    from web.wording import lean, lean_key

    assert lean(0.57) == lean(0.43) == "no clear lean"
    assert lean(0.58) == "slight lean towards high" and lean(0.42) == "slight lean towards low"
    assert lean(0.70) == "leans high" and lean(0.30) == "leans low"
    assert lean(0.694) == "slight lean towards high"  # shown as 69%
    assert "43–57%" in lean_key() and "70% or more" in lean_key()


def test_words_that_pushed_a_reading_hold_a_content_word():
    from library.text.emotion.reading import EmotionReading, says_something

    assert not says_something("that i") and not says_something("it to")
    assert says_something("hate") and says_something("i hate")
    stored = {"state": "named", "label": "angry", "confidence": 0.7, "probabilities": {"angry": 0.7},
              "unclear_below": 0.5, "neutral_possible": False,
              "pushed_by": [["that i", 0.2], ["furious", 0.1], ["it to", 0.05]]}
    assert [w for w, _ in EmotionReading.from_dict(stored).pushed_by] == ["furious"]  # rows stored before, too
