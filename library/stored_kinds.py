"""The table of stored kinds: which dataclass each kind of stored analysis is read and written through.

    store = HistoryStore(url, STORED_KINDS)                  # the app (main.py) and the batch hand it over
    result = read_result("audio", stored.scores)             # -> library.audio.recording.AudioAnalysis

It names every channel's result class (the registry's, library/registry.py) and the interview's, so it
sits above the channels and the interview, and the history store below them only holds it (library/results.py:
``StoredKinds``): storage never imports a channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from library.registry import CHANNELS, LISTED
from library.results import StoredKinds, StoredResult


def _interview() -> type[StoredResult]:
    from library.interview.engine import InterviewResult

    return InterviewResult


INTERVIEW = "interview"  # the interview's report: stored beside the channels' analyses
# Every channel of the registry, in the site's order, then the interview. A kind's module is imported when
# first used, so that building an app or a store loads no channel's code.
STORED_KINDS = StoredKinds({**{name: CHANNELS[name].result for name in LISTED}, INTERVIEW: _interview})
KINDS: tuple[str, ...] = STORED_KINDS.kinds  # what the history, privacy and OpenAPI pages accept as a channel


def read_result(kind: str, scores: Mapping[str, Any]) -> StoredResult:
    """A stored row's scores as the dataclass of its kind (rows of every age)."""
    return STORED_KINDS.read(kind, scores)
