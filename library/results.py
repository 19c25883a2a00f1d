"""The stored results' value types: every stored analysis is written and read through one dataclass of its kind.

    result = store.get(analysis_id).result            # -> library.audio.recording.AudioAnalysis for a voice row
    result.summary.mean_probabilities                # what face and voice share, under explicit names
    store.add("audio", result)                       # HistoryStore writes result.to_dict()

Which dataclass is which kind is a table above the channels (``library/stored_kinds.py``, a ``StoredKinds``
defined here) that the app and the batch hand to HistoryStore: this module and the store name no channel,
so that storage never reaches up to the channels or the interview. Each result class has ``to_dict`` (the
stored JSON) and ``from_dict`` (rows of every age: keys added over time get their old meaning; keys it does
not know are kept, so a row read and written again is unchanged).

The stored JSON keys themselves stay as they were: the dashboards read a few numbers straight from the JSON
by path (library/history/figures.py) and rows of every age exist. So the same key still means different things
per channel — ``distribution`` is the mean over frames for the face but the share of seconds for the voice —
and only ``EmotionSummary`` (the five things face and voice share: timeline, mean probabilities, share of time,
dominant, confident) knows which; everything else reads the explicit names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

from library.emotions import EMOTIONS


@dataclass(frozen=True)
class TimelinePoint:
    t: float  # seconds from the start of the answer
    probabilities: dict[str, float]  # EMOTIONS order

    @property
    def dominant(self) -> str:
        return max(self.probabilities, key=self.probabilities.get)


@dataclass(frozen=True)
class EmotionSummary:
    channel: str  # a channel whose emotions are read over time (library/registry.py: TIMELINE_CHANNELS)
    duration_s: float
    timeline: list[TimelinePoint]
    mean_probabilities: dict[str, float] | None  # None: nothing was read (no face in any frame)
    share_of_time: dict[str, float] | None  # the share of timeline points each emotion was on top
    dominant: str | None  # the top of mean_probabilities
    confident: bool | None  # None: the model of the day did not say (older rows)
    extra: dict[str, Any] = field(default_factory=dict)  # ``from_dict``: the row's other stored figures, as stored

    @classmethod
    def from_dict(cls, channel: str, scores: Mapping[str, Any], *, mean_key: str = "mean_probabilities",
                  share_key: str | None = "distribution") -> EmotionSummary:
        """The summary of a stored row of any age. ``mean_key`` and ``share_key`` say where the row keeps the
        mean probabilities and the share of time: a voice row as the defaults say, a face row
        (``mean_key="distribution", share_key=None``: the mean over frames with a face) otherwise."""
        timeline = read_timeline(scores.get("timeline"))
        mean, share = scores.get(mean_key), scores.get(share_key) if share_key else None
        if share is None and timeline:
            share = share_on_top(timeline)
        known = {"timeline", "distribution", "mean_probabilities", "dominant", "duration_s", "confident"}
        return cls(channel=channel, duration_s=float(scores.get("duration_s") or 0.0), timeline=timeline,
                   mean_probabilities=dict(mean) if mean else None, share_of_time=dict(share) if share else None,
                   dominant=scores.get("dominant"), confident=scores.get("confident"),
                   extra={k: v for k, v in scores.items() if k not in known})

    def explicit(self) -> dict[str, Any]:
        """The summary under explicit names (not the stored keys): for readers outside Python."""
        return {"channel": self.channel, "duration_s": self.duration_s,
                "timeline": [{"t": p.t, "probabilities": p.probabilities} for p in self.timeline],
                "mean_probabilities": self.mean_probabilities, "share_of_time": self.share_of_time,
                "dominant": self.dominant, "confident": self.confident, **self.extra}


def share_on_top(timeline: Sequence[TimelinePoint]) -> dict[str, float]:
    """For each emotion, the share of timeline points where it was the most probable."""
    counts = {e: 0 for e in EMOTIONS}
    for point in timeline:
        counts[point.dominant] = counts.get(point.dominant, 0) + 1
    return {e: round(n / len(timeline), 4) for e, n in counts.items()}


def read_timeline(points: Sequence[Mapping[str, Any]] | None) -> list[TimelinePoint]:
    return [TimelinePoint(float(p["t"]), dict(p["probabilities"])) for p in points or []]


def write_timeline(points: Sequence[TimelinePoint], digits: int | None = None) -> list[dict[str, Any]]:
    """The stored form of a timeline (``digits``: rounded, as the voice stores it; None: as computed)."""
    if digits is None:
        return [{"t": p.t, "probabilities": dict(p.probabilities)} for p in points]
    return [{"t": round(p.t, 3), "probabilities": {e: round(v, digits) for e, v in p.probabilities.items()}}
            for p in points]


def api_form(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored result as the API answers it: without ``models`` (which files made it), which the stored row, the
    exports and the batch output carry; the API's answers keep the shape they are documented with."""
    return {k: v for k, v in stored.items() if k != "models"}


def unknown_keys(scores: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    """What a stored row holds besides the fields its dataclass knows: kept, so reading and writing a row keeps it."""
    return {k: v for k, v in scores.items() if k not in known}


# -- every stored kind ------------------------------------------------------------------------------

class StoredResult(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_dict(cls, scores: Mapping[str, Any]) -> Self: ...


class StoredKinds:
    """The kinds of stored result, each with the dataclass it is read and written through (kind -> a function
    giving the class: a channel's module is imported when its kind is first used, not when the table is made)."""

    def __init__(self, loaders: Mapping[str, Callable[[], type[StoredResult]]]):
        self._loaders = dict(loaders)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._loaders)

    def result_type(self, kind: str) -> type[StoredResult]:
        if kind not in self._loaders:
            raise ValueError(f"no stored result of kind {kind!r}; the kinds are {self.kinds}")
        return self._loaders[kind]()

    def read(self, kind: str, scores: Mapping[str, Any]) -> StoredResult:
        """A stored row's scores as the dataclass of its kind (rows of every age)."""
        return self.result_type(kind).from_dict(scores)

    def stored_form(self, kind: str, result: StoredResult) -> dict[str, Any]:
        """What the store writes for ``result``; a ``TypeError`` for anything but the dataclass of ``kind``
        (a plain dict would bypass the one place that knows each key)."""
        expected = self.result_type(kind)
        if not isinstance(result, expected):
            raise TypeError(f"a {kind} analysis is stored as {expected.__module__}.{expected.__name__}, "
                            f"not {type(result).__name__}")
        return result.to_dict()
