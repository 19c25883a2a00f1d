"""The stored results, typed: what face and voice analyses share, under names that say what each number is.

A stored face (video) or voice (audio) analysis holds, besides its channel's own figures, the same five
things: a timeline of probabilities, the mean probabilities, the share of time each emotion was on top,
the dominant emotion and whether the reading is confident. The stored JSON grew per channel, so the same
key means different things — ``distribution`` is the mean over frames for the face but the share of
seconds for the voice. ``EmotionSummary.from_scores`` reads either (rows of every age), so nothing else
needs to know which key holds what; ``to_dict`` gives the explicit names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from library.emotions import EMOTIONS

EMOTION_CHANNELS = ("video", "audio")


@dataclass(frozen=True)
class TimelinePoint:
    t: float  # seconds from the start of the answer
    probabilities: dict[str, float]  # EMOTIONS order

    @property
    def dominant(self) -> str:
        return max(self.probabilities, key=self.probabilities.get)


@dataclass(frozen=True)
class EmotionSummary:
    channel: str  # "video" (the face) or "audio" (the voice)
    duration_s: float
    timeline: list[TimelinePoint]
    mean_probabilities: dict[str, float] | None  # None: nothing was read (no face in any frame)
    share_of_time: dict[str, float] | None  # the share of timeline points each emotion was on top
    dominant: str | None  # the top of mean_probabilities
    confident: bool | None  # None: the model of the day did not say (older rows)
    extra: dict[str, Any] = field(default_factory=dict)  # the channel's other stored figures, as stored

    @classmethod
    def from_scores(cls, channel: str, scores: Mapping[str, Any]) -> EmotionSummary:
        if channel not in EMOTION_CHANNELS:
            raise ValueError(f"{channel!r} results are not emotion summaries; those are {EMOTION_CHANNELS}")
        timeline = [TimelinePoint(float(p["t"]), dict(p["probabilities"])) for p in scores.get("timeline") or []]
        if channel == "video":  # the face: "distribution" is the mean over frames with a face
            mean, share = scores.get("distribution"), None
        else:  # the voice: the whole clip's reading, and "distribution" the share of seconds
            mean, share = scores.get("mean_probabilities"), scores.get("distribution")
        if share is None and timeline:
            share = share_on_top(timeline)
        known = {"timeline", "distribution", "mean_probabilities", "dominant", "duration_s", "confident"}
        return cls(channel=channel, duration_s=float(scores.get("duration_s") or 0.0), timeline=timeline,
                   mean_probabilities=dict(mean) if mean else None, share_of_time=dict(share) if share else None,
                   dominant=scores.get("dominant"), confident=scores.get("confident"),
                   extra={k: v for k, v in scores.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
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
