"""Eye aspect ratio (EAR) and blink counting.

EAR (Soukupová & Čech, "Real-Time Eye Blink Detection using Facial Landmarks", CVWW 2016):
for an eye's six landmarks p1..p6, EAR = (|p2-p6| + |p3-p5|) / (2 |p1-p4|). It is ~0.25-0.35
for an open eye, falls towards 0 when it closes, and is roughly invariant to face size and
in-plane rotation. The paper's best detector is an SVM over a 13-frame EAR window at 30 fps;
we use its simple baseline (a threshold) because our samples come at 5-10 fps, where a
13-frame window would span over a second.

Caveat: a blink lasts ~100-400 ms. At 5-10 fps many blinks fall between two samples and are
missed, so blinks per minute from sampled video is a lower bound, not a clinical measure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# dlib 68-point eye indices in the paper's p1..p6 order (corner, top, top, corner, bottom, bottom).
EYES = ((36, 37, 38, 39, 40, 41), (42, 43, 44, 45, 46, 47))


def eye_aspect_ratio(landmarks: np.ndarray) -> float:
    """Mean EAR of both eyes from 68 landmarks (the paper averages the eyes too)."""
    pts = np.asarray(landmarks, dtype=np.float64)
    ears = []
    for p1, p2, p3, p4, p5, p6 in EYES:
        width = np.linalg.norm(pts[p1] - pts[p4])
        if width < 1e-6:
            return 0.0
        ears.append((np.linalg.norm(pts[p2] - pts[p6]) + np.linalg.norm(pts[p3] - pts[p5])) / (2 * width))
    return float(np.mean(ears))


@dataclass(frozen=True)
class BlinkConfig:
    # Close below 0.20 and re-open above 0.24: the gap (hysteresis) keeps noise around a single
    # threshold from counting one blink twice.
    close_threshold: float = 0.20
    open_threshold: float = 0.24
    min_closed_samples: int = 1  # 1 at 5-10 fps (a blink spans at most ~2 samples); 2 at 30 fps
    max_closed_s: float = 1.0  # longer closures are eyes shut / looking down, not blinks

    def __post_init__(self):
        if not 0 < self.close_threshold <= self.open_threshold:
            raise ValueError("need 0 < close_threshold <= open_threshold")


@dataclass(frozen=True)
class Blink:
    start: float  # time of the first closed sample
    end: float  # time of the sample at which the eye was open again


@dataclass
class BlinkCounter:
    """State machine over (t, EAR) samples: OPEN -> CLOSED (EAR < close) -> OPEN (EAR >= open).

    A closure counts as a blink if it lasted at least ``min_closed_samples`` samples and at most
    ``max_closed_s`` seconds. Samples must come in time order.
    """

    config: BlinkConfig = field(default_factory=BlinkConfig)
    blinks: list[Blink] = field(default_factory=list)
    _closed_since: float | None = field(default=None, init=False, repr=False)
    _closed_samples: int = field(default=0, init=False, repr=False)
    _first_t: float | None = field(default=None, init=False, repr=False)
    _last_t: float | None = field(default=None, init=False, repr=False)

    def add(self, t: float, ear: float | None) -> Blink | None:
        """Feed one sample; returns the blink that just ended, if any. ``ear=None`` = no face seen."""
        if self._last_t is not None and t < self._last_t:
            raise ValueError("samples must be in time order")
        if self._first_t is None:
            self._first_t = t
        self._last_t = t
        if ear is None:  # eyes unseen: an open closure cannot be confirmed, so forget it
            self._closed_since, self._closed_samples = None, 0
            return None
        cfg = self.config
        if self._closed_since is None:
            if ear < cfg.close_threshold:
                self._closed_since, self._closed_samples = t, 1
            return None
        if ear < cfg.open_threshold:
            self._closed_samples += 1
            return None
        start, samples = self._closed_since, self._closed_samples
        self._closed_since, self._closed_samples = None, 0
        if samples >= cfg.min_closed_samples and t - start <= cfg.max_closed_s:
            blink = Blink(start, t)
            self.blinks.append(blink)
            return blink
        return None

    @property
    def count(self) -> int:
        return len(self.blinks)

    @property
    def duration_s(self) -> float:
        if self._first_t is None:
            return 0.0
        return self._last_t - self._first_t

    @property
    def per_minute(self) -> float | None:
        """Blinks per minute over the observed span; None when under a second was seen."""
        d = self.duration_s
        return None if d < 1.0 else self.count * 60.0 / d
