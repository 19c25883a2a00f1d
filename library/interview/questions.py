"""The interview's question bank: an editable TOML file, read and checked here.

    load_questions()                   # {"video": [...], "audio": [...], "text": [...]}
    pick_question("video", session)    # the question this session sees at that step

Picking rule (deterministic, so nothing has to be stored): the question at index
``(sha256(f"{session_seed}:{step}") + attempt) % len(bank[step])``.

- The same session and step always give the same question, in any process (Python's
  own ``hash`` is salted per process, so it is not used); a retake with the same
  session therefore shows the same question.
- ``attempt`` moves to the next question in the file's order (wrapping), for a "give me
  another question" button or a retake that should not repeat itself.
- Each step hashes separately, so a session does not get question 1 of every step.
- Editing the bank (adding, removing or reordering questions) changes what a given
  session sees; nothing else depends on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from library.interview.toml_file import read_toml
from library.registry import CHANNEL_NAMES

STEPS: tuple[str, ...] = CHANNEL_NAMES  # the interview asks one answer per channel, in the registry's order
DEFAULT_PATH = Path(__file__).resolve().parent / "questions.toml"
MAX_QUESTION_CHARS = 200  # one or two sentences: it is read out on a small screen before recording


class QuestionBankError(ValueError):
    """The question file is missing, is not TOML, or does not have the expected shape."""


def _check(data: Mapping, source: str) -> dict[str, list[str]]:
    unknown = sorted(set(data) - set(STEPS))
    if unknown:
        raise QuestionBankError(f"{source}: unknown step(s) {unknown}; the steps are {list(STEPS)}")
    bank: dict[str, list[str]] = {}
    for step in STEPS:
        if step not in data:
            raise QuestionBankError(f"{source}: no questions for step {step!r} (add `{step} = [\"...\"]`)")
        items = data[step]
        if not isinstance(items, list) or not items:
            raise QuestionBankError(f"{source}: {step!r} must be a non-empty list of questions")
        seen: set[str] = set()
        clean: list[str] = []
        for i, q in enumerate(items, 1):
            if not isinstance(q, str) or not q.strip():
                raise QuestionBankError(f"{source}: {step} question {i} must be non-empty text, got {q!r}")
            q = " ".join(q.split())  # TOML multi-line strings: keep the question on one line
            if len(q) > MAX_QUESTION_CHARS:
                raise QuestionBankError(f"{source}: {step} question {i} is {len(q)} characters; "
                                        f"keep it under {MAX_QUESTION_CHARS}")
            if q in seen:
                raise QuestionBankError(f"{source}: {step} question {i} repeats an earlier one: {q!r}")
            seen.add(q)
            clean.append(q)
        bank[step] = clean
    return bank


def load_questions(path: str | Path | None = None) -> dict[str, list[str]]:
    """The question bank, ``{step: [question, ...]}`` for every step in ``STEPS``, in file order.

    ``path`` defaults to the shipped ``questions.toml`` beside this module. Read at each
    call (it is tiny), so an edit shows without restarting anything. Raises
    ``QuestionBankError`` with the file and the problem when it is missing, not TOML, has
    an unknown or missing step, an empty list, a blank, duplicate or overlong question.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    return _check(read_toml(path, QuestionBankError, "question file"), str(path))


def question_index(step: str, session_seed: str | int, n_questions: int, attempt: int = 0) -> int:
    """Index of the question for ``step`` in a bank of ``n_questions`` (rule in the module doc)."""
    if n_questions < 1:
        raise ValueError("n_questions must be at least 1")
    if attempt < 0:
        raise ValueError("attempt must be 0 or more")
    digest = hashlib.sha256(f"{session_seed}:{step}".encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + attempt) % n_questions


def pick_question(step: str, session_seed: str | int, attempt: int = 0,
                  questions: Mapping[str, list[str]] | None = None) -> str:
    """The question shown at ``step`` ("video", "audio" or "text") for this session.

    Same ``session_seed`` and ``attempt`` -> same question; ``attempt + 1`` -> the next
    one in the bank. ``questions`` is a loaded bank (default: ``load_questions()``).
    Raises ``ValueError`` for an unknown step.
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}; the steps are {list(STEPS)}")
    bank = load_questions() if questions is None else questions
    items = bank[step]
    return items[question_index(step, session_seed, len(items), attempt)]
