"""The interview's question bank: the shipped file, the picking rule, malformed files."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from library.interview.questions import (DEFAULT_PATH, STEPS, QuestionBankError, load_questions, pick_question,
                                         question_index)

BANK = {"video": ["v1", "v2", "v3"], "audio": ["a1", "a2"], "text": ["t1"]}


def test_shipped_bank_has_a_few_short_questions_per_step():
    bank = load_questions()
    assert list(bank) == list(STEPS) == ["video", "audio", "text"]
    for step, items in bank.items():
        assert 3 <= len(items) <= 10, step
        assert all(q.strip() == q and q.endswith(("?", ".")) for q in items)
        assert len(set(items)) == len(items)


def test_pick_is_deterministic_per_session_and_step():
    assert pick_question("video", "abc", questions=BANK) == pick_question("video", "abc", questions=BANK)
    expected = (int.from_bytes(hashlib.sha256(b"abc:video").digest()[:8], "big")) % 3
    assert question_index("video", "abc", 3) == expected
    assert pick_question("video", "abc", questions=BANK) == BANK["video"][expected]
    assert pick_question("text", "anything", questions=BANK) == "t1"


def test_next_attempt_shows_the_next_question_wrapping():
    first = question_index("video", 42, 3)
    assert [question_index("video", 42, 3, attempt=a) for a in range(4)] == [
        first, (first + 1) % 3, (first + 2) % 3, first]


def test_pick_is_the_same_in_another_process():
    code = ("from library.interview.questions import question_index;"
            "print(question_index('audio', 'session-7', 1000))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(DEFAULT_PATH.parents[2]))
    assert int(other.stdout) == question_index("audio", "session-7", 1000)


def test_sessions_spread_over_the_bank():
    seen = {pick_question("video", f"s{i}", questions=BANK) for i in range(50)}
    assert seen == set(BANK["video"])


def test_pick_reads_the_shipped_bank_by_default():
    assert pick_question("audio", "x") in load_questions()["audio"]


def test_unknown_step_and_bad_attempt():
    with pytest.raises(ValueError, match="unknown step"):
        pick_question("smell", "x", questions=BANK)
    with pytest.raises(ValueError):
        question_index("video", "x", 3, attempt=-1)


def _write(tmp_path, text: str):
    path = tmp_path / "q.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = 'video = ["A?"]\naudio = ["B?"]\ntext = ["C?"]\n'


@pytest.mark.parametrize("text, message", [
    ('video = ["A?"\n', "not valid TOML"),
    ('video = ["A?"]\naudio = ["B?"]\n', "no questions for step 'text'"),
    (GOOD + 'smell = ["D?"]\n', "unknown step"),
    ('video = []\naudio = ["B?"]\ntext = ["C?"]\n', "non-empty list"),
    ('video = "A?"\naudio = ["B?"]\ntext = ["C?"]\n', "non-empty list"),
    ('video = ["A?", 3]\naudio = ["B?"]\ntext = ["C?"]\n', "question 2 must be non-empty text"),
    ('video = ["A?", "  "]\naudio = ["B?"]\ntext = ["C?"]\n', "question 2 must be non-empty text"),
    ('video = ["A?", "A?"]\naudio = ["B?"]\ntext = ["C?"]\n', "repeats"),
    ('video = ["' + "x" * 201 + '"]\naudio = ["B?"]\ntext = ["C?"]\n', "characters"),
])
def test_malformed_bank_is_a_clear_error(tmp_path, text, message):
    with pytest.raises(QuestionBankError, match=message):
        load_questions(_write(tmp_path, text))


def test_good_custom_bank_and_missing_file(tmp_path):
    assert load_questions(_write(tmp_path, GOOD)) == {"video": ["A?"], "audio": ["B?"], "text": ["C?"]}
    with pytest.raises(QuestionBankError, match="no question file"):
        load_questions(tmp_path / "absent.toml")
