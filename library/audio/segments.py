"""Where a recording's model inputs come from: segment plans for a whole clip and per second.

A *segment* is one model input, ``cfg.segment_seconds`` (2.88 s) long. Training crops one
segment around each clip's speech (RAVDESS utterances are 1.3-2.8 s of speech), so at
inference:

* whole clip: segments centred on the voiced span (leading/trailing silence trimmed); one
  if the speech fits, else half-overlapping ones across it, averaged with weights = each
  segment's voiced share;
* per second ``t``: the segment centred on ``t + step/2`` (slid inside the recording when it
  is longer than a segment, so every input is full of real audio), for seconds that hold at
  least ``min_voiced_s`` of voice.

Short recordings (< one segment) are zero-padded around the centre, as training pads.
The log-mel spectrogram is computed once per recording and segments are slices of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from library.audio.features import FeatureConfig, VadConfig, log_mel, normalise, segment_windows, voice_mask


@dataclass
class Prepared:
    """A recording at 16 kHz with what every plan needs."""

    signal: np.ndarray
    pad: int  # zeros added on each side (short recordings)
    spec: np.ndarray  # log-mel of the padded signal (n_mels, frames)
    voiced: np.ndarray  # bool per 10-ms frame of the *unpadded* signal
    duration_s: float

    @property
    def voiced_fraction(self) -> float:
        return float(self.voiced.mean()) if len(self.voiced) else 0.0


def prepare(signal: np.ndarray, cfg: FeatureConfig, vad: VadConfig = VadConfig()) -> Prepared:
    x = np.asarray(signal, dtype=np.float32)
    pad = max(0, (cfg.segment_samples - len(x) + 1) // 2)
    padded = np.pad(x, (pad, pad)) if pad else x
    return Prepared(x, pad, log_mel(padded, cfg), voice_mask(x, cfg.sample_rate, vad), len(x) / cfg.sample_rate)


def _segment_at(p: Prepared, cfg: FeatureConfig, centre_s: float) -> np.ndarray:
    """Model input (W, M, F) for the segment centred at ``centre_s`` (slid inside the padded signal)."""
    frames = p.spec.shape[1]
    centre = (centre_s * cfg.sample_rate + p.pad) / cfg.hop_length
    start = int(round(centre - cfg.segment_frames / 2))
    start = min(max(start, 0), max(frames - cfg.segment_frames, 0))
    spec = p.spec[:, start: start + cfg.segment_frames]
    if spec.shape[1] < cfg.segment_frames:  # only when rounding left a frame short
        spec = np.pad(spec, ((0, 0), (0, cfg.segment_frames - spec.shape[1])), mode="edge")
    return segment_windows(normalise(spec, per_band=cfg.per_band_norm), cfg)


def _voiced_share(p: Prepared, cfg: FeatureConfig, centre_s: float, vad: VadConfig) -> float:
    half = cfg.segment_seconds / 2
    a = int(max(0.0, centre_s - half) / vad.hop_s)
    b = int(max(0.0, centre_s + half) / vad.hop_s)
    seg = p.voiced[a:b]
    return float(seg.mean()) if len(seg) else 0.0


def clip_plan(p: Prepared, cfg: FeatureConfig, vad: VadConfig = VadConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (S, W, M, F) and weights (S,) for the whole-clip prediction."""
    idx = np.flatnonzero(p.voiced)
    if len(idx):
        a, b = idx[0] * vad.hop_s, (idx[-1] + 1) * vad.hop_s
    else:  # no voice: use the whole recording (analyse_recording refuses such input first)
        a, b = 0.0, p.duration_s
    seg = cfg.segment_seconds
    if b - a <= seg:
        centres = [(a + b) / 2]
    else:
        n = math.ceil((b - a - seg) / (seg / 2)) + 1
        centres = list(np.linspace(a + seg / 2, b - seg / 2, n))
    x = np.stack([_segment_at(p, cfg, c) for c in centres])
    w = np.array([_voiced_share(p, cfg, c, vad) for c in centres]) + 1e-3
    return x, w / w.sum()


def second_plan(p: Prepared, cfg: FeatureConfig, step_s: float = 1.0, min_voiced_s: float = 0.1,
                vad: VadConfig = VadConfig()) -> tuple[list[float], np.ndarray]:
    """Start times of the voiced steps and their inputs (T, W, M, F); may be empty."""
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    frames_per_step = step_s / vad.hop_s
    n_steps = max(1, math.ceil(p.duration_s / step_s - 1e-9))
    times, inputs = [], []
    for k in range(n_steps):
        t = k * step_s
        v = p.voiced[int(k * frames_per_step): int((k + 1) * frames_per_step)]
        if v.sum() * vad.hop_s < min_voiced_s:
            continue
        times.append(round(t, 6))
        inputs.append(_segment_at(p, cfg, min(t + step_s / 2, p.duration_s)))
    shape = (0, cfg.windows, cfg.n_mels, cfg.window_frames)
    return times, (np.stack(inputs) if inputs else np.zeros(shape, np.float32))
