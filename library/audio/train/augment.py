"""Recording conditions a real user brings, applied to clean corpus speech before encoding.

One random condition per augmented copy: the Opus codec at a browser's bit rates (MediaRecorder
records Opus), a small room's reverberation, background noise, a telephone band, or a level
change. Hand-written rather than taken from audiomentations/torchaudio because each is a few
lines of numpy/scipy/PyAV that the app already depends on, and none of them needs torch.
"""

from __future__ import annotations

import io

import numpy as np

SAMPLE_RATE = 16_000
CONDITIONS = ("opus", "reverb", "noise", "telephone", "level")


def opus_roundtrip(x: np.ndarray, bitrate: int) -> np.ndarray:
    """Encode to Ogg/Opus in memory at ``bitrate`` and decode back to 16 kHz mono."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=48_000, layout="mono")
        stream.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(np.clip(x, -1, 1)[None, :].astype(np.float32), format="flt", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        for f in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    buf.seek(0)
    with av.open(buf) as inp:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        parts = [f.to_ndarray().reshape(-1) for fr in inp.decode(audio=0) for f in resampler.resample(fr)]
        parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    y = np.concatenate(parts).astype(np.float32) if parts else np.zeros_like(x)
    return y[: len(x)] if len(y) >= len(x) else np.pad(y, (0, len(x) - len(y)))


def reverberate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: exponentially decaying noise as impulse response, RT60 0.2-0.7 s."""
    from scipy.signal import fftconvolve

    rt60 = rng.uniform(0.2, 0.7)
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[0] = 1.0
    ir /= np.sqrt(np.sum(ir ** 2))
    y = fftconvolve(x, ir)[: len(x)]
    return (y * (np.max(np.abs(x)) / max(np.max(np.abs(y)), 1e-6))).astype(np.float32)


def add_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pink-ish noise at 10-30 dB SNR against the clip's own level."""
    snr_db = rng.uniform(10, 30)
    white = rng.standard_normal(len(x))
    pink = np.cumsum(white) * 0.02 + white  # a cheap tilt towards low frequencies
    pink -= pink.mean()
    p_sig = np.mean(x.astype(np.float64) ** 2) + 1e-12
    pink *= np.sqrt(p_sig / (np.mean(pink ** 2) + 1e-12) / 10 ** (snr_db / 10))
    return (x + pink).astype(np.float32)


def telephone(x: np.ndarray) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    sos = butter(4, [300, 3400], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    return sosfiltfilt(sos, x).astype(np.float32)


def augment(x: np.ndarray, rng: np.random.Generator, condition: str | None = None) -> np.ndarray:
    """One copy of ``x`` under a random (or the named) condition, then a random level."""
    condition = condition or str(rng.choice(CONDITIONS))
    if condition == "opus":
        y = opus_roundtrip(x, int(rng.choice([16_000, 24_000, 32_000])))
    elif condition == "reverb":
        y = reverberate(x, rng)
    elif condition == "noise":
        y = add_noise(x, rng)
    elif condition == "telephone":
        y = telephone(x)
    else:
        y = x
    gain = 10 ** (rng.uniform(-20, 3) / 20)
    return np.clip(y * gain, -1, 1).astype(np.float32)
