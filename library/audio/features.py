"""Signal checks shared by the audio channel: mono mixing, resampling, voice activity and clipping.

All in numpy (plus soxr for resampling). The model's own features (Whisper's log-mel and encoder
states) are in encoder.py; what is here decides which parts of a recording hold a voice and
whether it was recorded too loud.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from library.errors import BadInput

SAMPLE_RATE = 16_000


# ---------------------------------------------------------------- resampling, mono


def to_mono(signal: np.ndarray) -> np.ndarray:
    """(n,) or (n, channels) -> float32 (n,), the channels' mean."""
    x = np.asarray(signal, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.ndim != 1:
        raise ValueError(f"signal must be 1-D (mono) or 2-D (samples, channels), got shape {x.shape}")
    return np.ascontiguousarray(x)


def resample(signal: np.ndarray, sr: int | float, target: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling with soxr (HQ); a no-op at the target rate."""
    x = np.asarray(signal, dtype=np.float32)
    if int(round(sr)) == target or len(x) == 0:
        return x
    import soxr

    return np.ascontiguousarray(soxr.resample(x, float(sr), float(target), quality="HQ"), dtype=np.float32)


def prepare_signal(signal, sample_rate) -> np.ndarray:
    """Validate, mix to mono and resample to 16 kHz (what the voice model and the transcriber read)."""
    x = np.asarray(signal)
    if x.dtype == object or x.dtype.kind not in "iuf":
        raise BadInput(f"signal must be a numeric array, got dtype {x.dtype}")
    if x.dtype.kind in "iu":  # PCM integers -> [-1, 1]
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    try:
        x = to_mono(x)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    if not np.all(np.isfinite(x)):
        raise BadInput("signal contains NaN or infinite values")
    if not sample_rate or sample_rate <= 0:
        raise BadInput("sample_rate must be positive")
    if len(x) == 0:
        raise BadInput("signal is empty")
    return resample(x, sample_rate, SAMPLE_RATE)


# ---------------------------------------------------------------- voice activity, clipping


@dataclass(frozen=True)
class VadConfig:
    frame_s: float = 0.025
    hop_s: float = 0.010
    abs_floor_db: float = -65.0  # frames quieter than this (dB re full scale) are never voice
    above_floor_db: float = 12.0  # ... and must be this far above the recording's noise floor
    floor_percentile: float = 10.0  # noise floor = this percentile of frame levels


def frame_levels_db(signal: np.ndarray, sr: int, cfg: VadConfig = VadConfig()) -> np.ndarray:
    """RMS level per frame in dB re full scale."""
    n, hop = max(1, int(cfg.frame_s * sr)), max(1, int(cfg.hop_s * sr))
    x = np.asarray(signal, dtype=np.float32)
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return 20.0 * np.log10(np.maximum(rms, 1e-10))


def voice_mask(signal: np.ndarray, sr: int, cfg: VadConfig = VadConfig()) -> np.ndarray:
    """Boolean per 10-ms frame: energy well above both an absolute floor and the noise floor.

    Energy-based on purpose: cheap, no model, and stationary sounds (hum, hiss, a steady
    tone) stay at their own floor, so they are not taken for a voice. Speech in steady
    noise still rises above it by far more than 12 dB in its syllables.
    """
    db = frame_levels_db(signal, sr, cfg)
    floor = np.percentile(db, cfg.floor_percentile)
    return (db > cfg.abs_floor_db) & (db > floor + cfg.above_floor_db)


def clipping_fraction(signal: np.ndarray, min_level: float = 0.3, rel: float = 0.8,
                      ref_percentile: float = 99.99) -> float:
    """Share of samples piled up near the recording's ceiling, when the ceiling is loud.

    Clipping flattens the peaks, so many samples sit at one level. The reference level is
    the 99.99th percentile of |x| (not the maximum: after a lossy codec the flat tops ring,
    and a few overshoots stand above them); the fraction counted is of samples >= 0.8 x that
    level. Clean speech is sparse (crest factor 12-20 dB), so only ~0.01-0.1% of its samples
    come that close (RAVDESS clips: median 0.1%, max 0.9% even after normalising each to full
    scale; espeak-ng speech 0.2%); driven 8x into the rails it is 15%, 13% after MP3. A quiet recording (level < 0.3 of full scale) is not
    considered clipped.
    """
    x = np.abs(np.asarray(signal, dtype=np.float32))
    if len(x) == 0:
        return 0.0
    k = min(len(x) - 1, int(len(x) * ref_percentile / 100.0))
    ref = float(np.partition(x, k)[k])  # O(n); np.percentile sorts (0.8 s for 60 s at 48 kHz)
    if ref < min_level:
        return 0.0
    return float(np.mean(x >= rel * ref))
