"""RAVDESS speech: listing, labels, the actor split, and training-time augmentation.

The clips stay in the shared data folder; nothing is copied into the project, and nothing
is cached on disk: decoding all 1,200 clips takes ~3 s, and waveforms and spectrograms live
in memory only (checkpoints of the weights go to ``checkpoints/audio``, git-ignored).

Label mapping: RAVDESS codes 01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful,
07 disgust, 08 surprised -> the project's EMOTIONS, calm merged into neutral (so neutral has
12 clips per actor, the other classes 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from library.audio.features import (SAMPLE_RATE, FeatureConfig, VadConfig, mel_filterbank, normalise, segment_windows,
                                    voice_mask, voiced_span)
from library.emotions import EMOTIONS

RAVDESS_TO_EMOTION = {1: "neutral", 2: "neutral", 3: "happy", 4: "sad", 5: "angry", 6: "fear",
                      7: "disgust", 8: "surprise"}
TRAIN_ACTORS = tuple(range(1, 17))
VAL_ACTORS = tuple(range(17, 21))


@dataclass(frozen=True)
class Clip:
    path: Path
    actor: int
    label: int  # index into EMOTIONS
    intensity: int  # 1 normal, 2 strong
    statement: int


def parse_name(path: Path) -> Clip:
    """``03-01-EE-II-SS-RR-NN.flac`` -> Clip (modality, channel, emotion, intensity, statement, rep, actor)."""
    parts = path.stem.split("-")
    if len(parts) != 7 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a RAVDESS file name: {path.name}")
    emotion, intensity, statement, actor = int(parts[2]), int(parts[3]), int(parts[4]), int(parts[6])
    return Clip(path, actor, EMOTIONS.index(RAVDESS_TO_EMOTION[emotion]), intensity, statement)


def list_clips(data_dir: str | Path, actors: tuple[int, ...] | None = None) -> list[Clip]:
    root = Path(data_dir) / "ravdess"
    if not root.is_dir():
        raise FileNotFoundError(f"RAVDESS folder not found: {root}")
    clips = [parse_name(p) for p in sorted(root.glob("Actor_*/03-01-*.flac"))]
    if actors is not None:
        clips = [c for c in clips if c.actor in actors]
    if not clips:
        raise FileNotFoundError(f"no RAVDESS clips under {root}")
    return clips


def load_waves(clips: list[Clip]) -> list[np.ndarray]:
    """Decode each clip to float32 mono at 16 kHz (the shared copy already is)."""
    import soundfile as sf

    from library.audio.features import resample, to_mono

    out = []
    for c in clips:
        x, sr = sf.read(str(c.path), dtype="float32", always_2d=True)
        out.append(resample(to_mono(x), sr, SAMPLE_RATE))
    return out


def speech_centre(wave: np.ndarray, vad: VadConfig = VadConfig()) -> tuple[float, float]:
    """(centre, length) in samples of the voiced part (leading/trailing silence trimmed)."""
    span = voiced_span(voice_mask(wave, SAMPLE_RATE, vad), vad.hop_s)
    if span is None:
        return len(wave) / 2, float(len(wave))
    a, b = span[0] * SAMPLE_RATE, min(len(wave), span[1] * SAMPLE_RATE)
    return (a + b) / 2, b - a


@dataclass(frozen=True)
class AugmentConfig:
    """Per-clip random augmentation, drawn anew every epoch."""

    speeds: tuple[float, ...] = (0.9, 0.95, 1.0, 1.05, 1.1)  # resampling: tempo and pitch together
    warp: tuple[float, float] = (0.9, 1.1)  # frequency-axis scaling (VTLP): pitch and formants, not tempo
    shift_s: float = 0.4  # segment centre moved up to this far from the speech centre
    noise_prob: float = 0.5
    snr_db: tuple[float, float] = (15.0, 30.0)  # additive white or pink noise
    time_masks: int = 2
    time_mask_max: int = 20  # frames (of 288)
    freq_masks: int = 2
    freq_mask_max: int = 8  # mel bands (of 64)


class AugmentedSource:
    """Augmentation in the mel-power domain, from spectrograms computed once per speed.

    Why not augment the waveform every epoch: resampling + STFT + noise per clip cost
    8-14 s per epoch of 960 clips on one shared core, as long as the training steps
    themselves. Here each clip's mel power is computed once for each speed factor
    (resampled with soxr, i.e. tempo and pitch change together), and every epoch only
    crops, adds noise power (mel-domain noise has the expected white/pink spectrum; mel
    bands pool several FFT bins, so its fluctuation is modelled with a Gamma(4) draw),
    takes the log and masks — ~0.3 ms per clip. The frequency warp (vocal-tract-length
    perturbation) reads each mel band at f / alpha by interpolating between bands: the
    speaker-specific part of the spectrum moves, the prosody stays.
    """

    def __init__(self, waves: list[np.ndarray], cfg: FeatureConfig, aug: AugmentConfig):
        from library.audio.features import mel_power, resample

        self.cfg, self.aug = cfg, aug
        self.mels: list[list[np.ndarray]] = []  # [clip][speed] (M, T) mel power
        self.centres: list[list[int]] = []  # [clip][speed] speech centre frame
        for w in waves:
            per_speed, cents = [], []
            for sp in aug.speeds:
                x = w if abs(sp - 1.0) < 1e-6 else resample(w, SAMPLE_RATE * sp, SAMPLE_RATE)
                per_speed.append(mel_power(x, cfg))
                cents.append(int(round(speech_centre(x)[0] / cfg.hop_length)))
            self.mels.append(per_speed)
            self.centres.append(cents)
        fb = mel_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.fmin, cfg.fmax)
        freqs = np.linspace(0, cfg.sample_rate / 2, cfg.n_fft // 2 + 1)
        white = fb.sum(axis=1)
        pink = fb @ (1.0 / np.maximum(freqs, 50.0))
        self.noise_shapes = [white / white.mean(), pink / pink.mean()]
        from library.audio.features import _hz_to_mel, _mel_to_hz

        edges = np.linspace(_hz_to_mel(cfg.fmin), _hz_to_mel(cfg.fmax), cfg.n_mels + 2)
        self._band_mel = edges[1:-1]  # centre of each band, in mel
        self._band_hz = _mel_to_hz(self._band_mel)
        self._hz_to_mel = _hz_to_mel

    def _warp(self, seg: np.ndarray, alpha: float) -> np.ndarray:
        src = np.interp(self._hz_to_mel(self._band_hz / alpha), self._band_mel, np.arange(len(self._band_mel)))
        i0 = np.clip(np.floor(src).astype(int), 0, seg.shape[0] - 1)
        i1 = np.minimum(i0 + 1, seg.shape[0] - 1)
        w = (src - i0)[:, None].astype(np.float32)
        return seg[i0] * (1 - w) + seg[i1] * w

    def __len__(self) -> int:
        return len(self.mels)

    def sample(self, i: int, rng: np.random.Generator) -> np.ndarray:
        cfg, aug = self.cfg, self.aug
        k = int(rng.integers(len(aug.speeds)))
        mel, centre = self.mels[i][k], self.centres[i][k]
        n = cfg.segment_frames
        start = centre - n // 2 + int(round(rng.uniform(-aug.shift_s, aug.shift_s) * cfg.sample_rate / cfg.hop_length))
        seg = np.full((mel.shape[0], n), 1e-10, dtype=np.float32)
        lo, hi = max(0, start), min(mel.shape[1], start + n)
        if hi > lo:
            seg[:, lo - start: hi - start] = mel[:, lo:hi]
        alpha = rng.uniform(*aug.warp)
        if abs(alpha - 1.0) > 1e-3:
            seg = self._warp(seg, alpha)
        if rng.random() < aug.noise_prob:
            # SNR against the louder half of the segment's frames (its speech), summed over bands
            frame_power = seg.sum(axis=0)
            speech = float(np.sort(frame_power)[n // 2:].mean())
            snr = rng.uniform(*aug.snr_db)
            shape = self.noise_shapes[int(rng.integers(2))]
            level = speech / 10 ** (snr / 10) / shape.sum()
            seg = seg + (level * shape[:, None] * rng.gamma(4.0, 0.25, seg.shape)).astype(np.float32)
        x = segment_windows(normalise(10.0 * np.log10(np.maximum(seg, 1e-10)), per_band=cfg.per_band_norm), cfg)
        # SpecAugment-style masks on the normalised windows (0 = the segment mean)
        w, m, f = x.shape
        for _ in range(aug.freq_masks):
            width = int(rng.integers(0, aug.freq_mask_max + 1))
            lo = int(rng.integers(0, m - width + 1))
            x[:, lo: lo + width, :] = 0.0
        for _ in range(aug.time_masks):
            width = int(rng.integers(0, aug.time_mask_max + 1))
            lo = int(rng.integers(0, n - width + 1))
            for j in range(w):  # a segment frame appears in every window that covers it
                a, b = max(lo - j * cfg.window_step, 0), min(lo + width - j * cfg.window_step, f)
                if b > a:
                    x[j, :, a:b] = 0.0
        return x

    def epoch(self, rng: np.random.Generator) -> np.ndarray:
        return np.stack([self.sample(i, rng) for i in range(len(self))])


def class_weights(labels: np.ndarray) -> np.ndarray:
    """Inverse-frequency weights, mean 1 per sample (neutral has 12 clips per actor, others 8)."""
    counts = np.bincount(labels, minlength=len(EMOTIONS)).astype(np.float64)
    w = np.where(counts > 0, 1.0 / np.maximum(counts, 1.0), 0.0)
    w *= len(labels) / float(w[labels].sum())
    return w.astype(np.float32)
