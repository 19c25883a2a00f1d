"""The table of stored kinds: which dataclass each kind of stored analysis is read and written through.

    store = HistoryStore(url, STORED_KINDS)                  # the app (main.py) and the batch hand it over
    result = read_result("audio", stored.scores)             # -> library.audio.recording.AudioAnalysis

It names every channel's result class, so it sits above the channels and the interview, and the history
store below them only holds it (library/results.py: ``StoredKinds``): storage never imports a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from library.results import StoredKinds, StoredResult


def _text() -> type[StoredResult]:
    from library.text.analysis import TextAnalysis

    return TextAnalysis


def _video() -> type[StoredResult]:
    from library.video.summary import VideoAnalysis

    return VideoAnalysis


def _audio() -> type[StoredResult]:
    from library.audio.recording import AudioAnalysis

    return AudioAnalysis


def _interview() -> type[StoredResult]:
    from library.interview.engine import InterviewResult

    return InterviewResult


# A kind's module is imported when first used, so that building an app or a store loads no channel's code.
STORED_KINDS = StoredKinds({"text": _text, "video": _video, "audio": _audio, "interview": _interview})


def read_result(kind: str, scores: Mapping[str, Any]) -> StoredResult:
    """A stored row's scores as the dataclass of its kind (rows of every age)."""
    return STORED_KINDS.read(kind, scores)
