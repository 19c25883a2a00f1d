"""The stored face (video) analysis: what one live answer or one uploaded video leaves behind.

Only derived figures: per-frame probabilities, blink counts, a coarse Grad-CAM heat grid (no pixels of the
face) and, when the answer had sound, the voice's reading and the words (``library/video/sound.py``).
``summary`` is what it shares with a voice analysis (``library.results.EmotionSummary``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from library.results import EmotionSummary, TimelinePoint, read_timeline, share_on_top, unknown_keys, write_timeline
from library.video.sound import SoundReading

_SOUND_KEYS = ("voice", "transcript", "words", "voice_note")
_KEYS = ("source", "duration_s", "frames_analysed", "frames_with_face", "distribution", "dominant", "blinks",
         "blinks_per_minute", "timeline", "gradcam", "confident", "complete", "models", *_SOUND_KEYS)


@dataclass
class VideoAnalysis:
    source: str | None  # "live" (the camera, frame by frame) or "file" (an uploaded video); None: older rows
    duration_s: float
    frames_analysed: int
    frames_with_face: int
    mean_probabilities: dict[str, float] | None  # mean over the frames with a face; None: no face in any
    dominant: str | None  # the top of mean_probabilities
    blinks: int
    blinks_per_minute: float | None  # None: too short, or too few frames with eyes, to count
    timeline: list[TimelinePoint]  # the frames with a face
    gradcam: dict[str, Any] | None = None  # where the model looked, on one frame (library/video/summary.py)
    confident: bool | None = None  # None: the model did not say (no measured threshold, or older rows)
    complete: bool | None = None  # uploads: False when the work budget stopped decoding early; live: None
    sound: SoundReading | None = None  # the answer's voice and words; None: rows from before sound was read
    models: list[dict[str, Any]] | None = None  # the files that made it (library/model_ids.py); None: older rows
    extra: dict[str, Any] = field(default_factory=dict)  # keys of other ages, kept as stored

    @property
    def summary(self) -> EmotionSummary:
        """What the face shares with the voice; the share of time is counted from the timeline."""
        return EmotionSummary(channel="video", duration_s=self.duration_s, timeline=self.timeline,
                              mean_probabilities=self.mean_probabilities,
                              share_of_time=share_on_top(self.timeline) if self.timeline else None,
                              dominant=self.dominant, confident=self.confident)

    @property
    def voice(self) -> dict | None:
        return self.sound.voice if self.sound is not None else None

    @property
    def transcript(self) -> dict | None:
        return self.sound.transcript if self.sound is not None else None

    @property
    def words(self) -> dict | None:
        return self.sound.words if self.sound is not None else None

    @property
    def voice_note(self) -> str | None:
        return self.sound.note if self.sound is not None else None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "source": self.source, "duration_s": self.duration_s, "frames_analysed": self.frames_analysed,
            "frames_with_face": self.frames_with_face, "distribution": self.mean_probabilities,
            "dominant": self.dominant, "blinks": self.blinks, "blinks_per_minute": self.blinks_per_minute,
            "timeline": write_timeline(self.timeline), "gradcam": self.gradcam, "confident": self.confident,
        }
        if self.complete is not None:
            out["complete"] = self.complete
        if self.sound is not None:
            out.update(self.sound.to_scores())
        if self.models is not None:
            out["models"] = self.models
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, scores: Mapping[str, Any]) -> VideoAnalysis:
        has_sound = any(k in scores for k in _SOUND_KEYS)
        return cls(
            source=scores.get("source"), duration_s=float(scores.get("duration_s") or 0.0),
            frames_analysed=int(scores.get("frames_analysed") or 0),
            frames_with_face=int(scores.get("frames_with_face") or 0),
            mean_probabilities=scores.get("distribution"), dominant=scores.get("dominant"),
            blinks=int(scores.get("blinks") or 0), blinks_per_minute=scores.get("blinks_per_minute"),
            timeline=read_timeline(scores.get("timeline")), gradcam=scores.get("gradcam"),
            confident=scores.get("confident"), complete=scores.get("complete"),
            sound=SoundReading(scores.get("voice"), scores.get("transcript"), scores.get("words"),
                               scores.get("voice_note")) if has_sound else None,
            models=scores.get("models"), extra=unknown_keys(scores, _KEYS))

    def public(self) -> dict[str, Any]:
        """The API's body: the stored form without the heat grid (a page draws it; API clients asked for figures)."""
        return {k: v for k, v in self.to_dict().items() if k != "gradcam"}
