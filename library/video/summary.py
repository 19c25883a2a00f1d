"""Summaries of a video channel session: what the dashboard and the history keep.

Live capture and uploaded files end in the same plain-data summary, so both reach
one dashboard. Only derived figures: per-frame probabilities, blink counts, and a
coarse Grad-CAM heat grid (no pixels of the face).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from library.emotions import EMOTIONS
from library.video.align import alignment_matrix, transform_points
from library.video.blink import BlinkConfig, BlinkCounter
from library.results import TimelinePoint
from library.video.pipeline import FrameResult
from library.video.result import VideoAnalysis
from library.video.sound import SoundReading

GRADCAM_GRID = 24  # 48x48 heat averaged down 2x2: plenty for a heat view, and it cannot show a face


def frame_sample(frame: FrameResult) -> dict[str, Any]:
    """One frame as a stored sample: the main (largest) face's probabilities and eye aspect ratio."""
    face = frame.main_face
    if face is None:
        return {"faces": 0, "probabilities": None, "ear": None}
    return {
        "faces": len(frame.faces),
        "probabilities": {e: round(float(face.probabilities[e]), 4) for e in EMOTIONS},
        "ear": round(float(face.eye_aspect_ratio), 4),
    }


def gradcam_view(heat: np.ndarray, landmarks: Sequence[Sequence[float]], emotion: str, probability: float,
                 t: float) -> dict[str, Any]:
    """Grad-CAM heat on a coarse grid plus the landmarks in the aligned crop's coordinates.

    The landmarks let the dashboard draw a face outline under the heat without
    keeping any picture of the person.
    """
    heat = np.asarray(heat, dtype=np.float32)
    n = heat.shape[0] // GRADCAM_GRID
    coarse = heat.reshape(GRADCAM_GRID, n, GRADCAM_GRID, n).mean(axis=(1, 3))
    points = transform_points(np.asarray(landmarks, dtype=np.float64), alignment_matrix(np.asarray(landmarks)))
    scale = GRADCAM_GRID / heat.shape[0]
    return {
        "grid": GRADCAM_GRID,
        "heat": np.round(coarse * 100).astype(int).tolist(),
        "outline": np.round(points * scale, 2).tolist(),
        "emotion": emotion,
        "probability": round(float(probability), 4),
        "t": round(float(t), 3),
    }


def summarise(samples: Sequence[tuple[float, dict[str, Any]]], source: str,
              gradcam: dict[str, Any] | None = None, blink_config: BlinkConfig | None = None,
              abstain_below: float | None = None, complete: bool | None = None,
              sound: SoundReading | None = None) -> VideoAnalysis:
    """The analysis of one video session from its time-ordered ``(t, frame_sample)`` pairs (``complete`` and
    ``sound``: see ``VideoAnalysis``).

    ``abstain_below``: the expression model's measured threshold (``FacialExpressionModel.abstain_below``);
    ``confident`` is False when the answer's mean reading tops out below it, and the page then says "unclear".
    The threshold was measured on single faces; the mean over an answer's frames is flatter, so this errs
    towards "unclear". None: not judged (a model without calibration)."""
    counter = BlinkCounter(blink_config or BlinkConfig())
    timeline, rows = [], []
    for t, sample in samples:
        counter.add(t, sample.get("ear"))
        probs = sample.get("probabilities")
        if probs:
            timeline.append(TimelinePoint(round(float(t), 3), probs))
            rows.append([probs[e] for e in EMOTIONS])
    distribution = None
    dominant = None
    if rows:
        mean = np.mean(rows, axis=0)
        distribution = {e: round(float(v), 4) for e, v in zip(EMOTIONS, mean)}
        dominant = EMOTIONS[int(np.argmax(mean))]
    times = [t for t, _ in samples]
    per_minute = counter.per_minute
    return VideoAnalysis(
        source=source,
        duration_s=round(max(times) - min(times), 3) if times else 0.0,
        frames_analysed=len(samples),
        frames_with_face=len(rows),
        mean_probabilities=distribution,
        dominant=dominant,
        blinks=counter.count,
        blinks_per_minute=None if per_minute is None else round(per_minute, 2),
        timeline=timeline,
        gradcam=gradcam,
        confident=(None if abstain_below is None or distribution is None
                   else bool(max(distribution.values()) >= abstain_below)),
        complete=complete,
        sound=sound,
    )
