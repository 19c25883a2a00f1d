"""Signal -> log-mel spectrogram -> model input; voice activity and clipping.

All in numpy (plus soxr for resampling). Why the STFT and mel filterbank are written here
rather than taken from librosa: librosa 0.11's first ``melspectrogram`` call took 21.8 s on
this machine (numba compiles on first use), which a web worker would pay on its first
request, and it pulls numba/llvmlite (~150 MB). The mel filterbank below is librosa's
default (Slaney mel scale, Slaney area normalisation), checked against
``librosa.filters.mel`` to 1e-6 (docs/decisions.md); the STFT is a strided view + one
``rfft`` call.

Shapes: a log-mel spectrogram is ``(n_mels, frames)``; a *window* is ``window_frames``
consecutive frames; a *segment* (one model input) is ``windows`` windows ``window_step``
frames apart, i.e. ``segment_frames`` frames.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class FeatureConfig:
    sample_rate: int = SAMPLE_RATE
    n_fft: int = 512
    win_length: int = 400  # 25 ms Hann window
    hop_length: int = 160  # 10 ms
    n_mels: int = 64
    fmin: float = 0.0
    fmax: float = 8000.0
    window_frames: int = 64  # 0.64 s per window: 64 = 4 * 2**4 survives four 2x poolings
    window_step: int = 56  # windows overlap by 8 frames
    windows: int = 5  # windows per segment -> 288 frames = 2.88 s per model input
    per_band_norm: bool = False  # see normalise()

    @property
    def segment_frames(self) -> int:
        return self.window_frames + (self.windows - 1) * self.window_step

    @property
    def segment_samples(self) -> int:
        # samples whose (centred) frames fill exactly segment_frames frames
        return (self.segment_frames - 1) * self.hop_length + 1

    @property
    def segment_seconds(self) -> float:
        return self.segment_samples / self.sample_rate

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FeatureConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


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


# ---------------------------------------------------------------- mel spectrogram


def _hz_to_mel(f):
    """Slaney mel scale (librosa's default, htk=False): linear below 1 kHz, log above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


@lru_cache(maxsize=8)
def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """(n_mels, n_fft//2+1) triangular filters, librosa.filters.mel(norm="slaney") semantics."""
    fft_freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2: n_mels + 2] - mel_f[:n_mels]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=8)
def _window(n_fft: int, win_length: int) -> np.ndarray:
    w = np.hanning(win_length + 1)[:-1]  # periodic Hann, as scipy/librosa get_window("hann")
    pad = (n_fft - win_length) // 2
    return np.pad(w, (pad, n_fft - win_length - pad)).astype(np.float32)


def power_spectrogram(signal: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """|STFT|^2, frames centred on multiples of hop (zero padding at the edges): (bins, frames)."""
    x = np.asarray(signal, dtype=np.float32)
    half = cfg.n_fft // 2
    x = np.pad(x, (half, half))
    if len(x) < cfg.n_fft:
        x = np.pad(x, (0, cfg.n_fft - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, cfg.n_fft)[:: cfg.hop_length]
    spec = np.fft.rfft(frames * _window(cfg.n_fft, cfg.win_length), axis=1)
    return (spec.real**2 + spec.imag**2).T.astype(np.float32)


@lru_cache(maxsize=8)
def _sparse_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float):
    # Sparse on purpose: each filter spans a few bins (498 non-zeros of 64x257), and a dense
    # matmul goes through BLAS, whose second thread stalls when another job holds a core
    # (measured 16 ms dense vs 1.1 ms sparse for a 15-s clip, docs/decisions.md).
    import scipy.sparse

    return scipy.sparse.csr_array(mel_filterbank(sr, n_fft, n_mels, fmin, fmax))


def mel_power(signal: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Mel-band power (n_mels, frames)."""
    fb = _sparse_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.fmin, cfg.fmax)
    return np.asarray(fb @ power_spectrogram(signal, cfg), dtype=np.float32)


def log_mel(signal: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """Log-mel spectrogram (n_mels, frames) in dB (10*log10, floor -100 dB re full scale)."""
    return 10.0 * np.log10(np.maximum(mel_power(signal, cfg), 1e-10))


def normalise(spec: np.ndarray, top_db: float = 80.0, per_band: bool = False) -> np.ndarray:
    """Per-segment standardisation (one mean and std over the whole segment), after flooring
    the log-mel at ``top_db`` below the segment's peak.

    Removes recording gain (arbitrary in a browser) but keeps the spectral tilt and the
    loudness contour inside the segment, which carry emotion. The floor (librosa's
    ``power_to_db(top_db=80)`` habit) stops digital silence (-100 dB) in padded or gated
    recordings from dominating the statistics.
    """
    spec = np.maximum(spec, spec.max(axis=(-2, -1), keepdims=True) - top_db)
    # per_band: subtract each band's own mean (cepstral-mean-style), which also removes the
    # speaker's and the microphone's long-term spectral envelope
    mu = spec.mean(axis=-1, keepdims=True) if per_band else spec.mean(axis=(-2, -1), keepdims=True)
    sd = spec.std(axis=(-2, -1), keepdims=True)
    return ((spec - mu) / np.maximum(sd, 1e-3)).astype(np.float32)


def segment_windows(spec: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    """(n_mels, segment_frames) -> (windows, n_mels, window_frames): the rolling windows."""
    if spec.shape[-1] != cfg.segment_frames:
        raise ValueError(f"segment must have {cfg.segment_frames} frames, got {spec.shape[-1]}")
    idx = np.arange(cfg.windows)[:, None] * cfg.window_step + np.arange(cfg.window_frames)[None, :]
    return np.ascontiguousarray(spec[:, idx].transpose(1, 0, 2))


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


def voiced_span(mask: np.ndarray, hop_s: float, pad_s: float = 0.1) -> tuple[float, float] | None:
    """(start_s, end_s) from the first to the last voiced frame (padded), or None."""
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return None
    return max(0.0, idx[0] * hop_s - pad_s), (idx[-1] + 1) * hop_s + pad_s


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
