"""Media made at test time: frames and videos from scikit-image's astronaut photo (one real, smiling
face), and recordings encoded in memory (tests and benchmarks share them)."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np


def interview_frame(dx: int = 0) -> np.ndarray:
    """A 640x480 RGB webcam-like frame: the astronaut's head and shoulders, face ~115 px wide."""
    from skimage import data

    photo = data.astronaut()
    crop = photo[20:380, 40 + dx:520 + dx]
    return cv2.resize(crop, (640, 480), interpolation=cv2.INTER_LINEAR)


def jpeg_bytes(rgb: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """Chromium's fake camera reads YUV4MPEG2 (4:2:0) files; it loops them."""
    height, width = frames[0].shape[:2]
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def make_video(frames_rgb: list[np.ndarray], fmt: str = "mp4", codec: str = "libx264", fps: int = 10,
               sound: tuple[np.ndarray, int] | None = None, sound_codec: str = "aac") -> bytes:
    """Encode RGB frames into a video file in memory (PyAV): mp4/libx264, webm/libvpx, mov/...;
    ``sound``: (float mono samples, rate) for a sound track beside them (aac; libopus in WebM)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=fps)
        stream.height, stream.width = frames_rgb[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        audio = out.add_stream(sound_codec, rate=48000, layout="mono") if sound is not None else None
        for img in frames_rgb:
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
        if audio is not None:
            for packet in _encode_sound(audio, *sound, "mono"):
                out.mux(packet)
    return buf.getvalue()


def _encode_sound(stream, x: np.ndarray, sr: int, layout: str, channels: int = 1):
    """Packets of float mono samples encoded by ``stream`` (resampled to what its codec takes)."""
    import av

    resampler = av.AudioResampler(format=stream.codec_context.codec.audio_formats[0].name, layout=layout,
                                  rate=stream.codec_context.sample_rate)
    frame = av.AudioFrame.from_ndarray(np.tile(x.astype(np.float32)[None], (channels, 1)), format="fltp", layout=layout)
    frame.sample_rate = sr
    for f in resampler.resample(frame) + resampler.resample(None):
        yield from stream.encode(f)
    yield from stream.encode()


def sf_bytes(x: np.ndarray, sr: int, fmt: str, subtype: str | None = None) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def av_bytes(x: np.ndarray, sr: int, container: str, codec: str, rate: int, channels: int = 1) -> bytes:
    """Encode float mono samples with PyAV in memory (resampled/converted by FFmpeg as the codec needs)."""
    import av

    buf = io.BytesIO()
    layout = "mono" if channels == 1 else "stereo"
    with av.open(buf, mode="w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        for packet in _encode_sound(stream, x, sr, layout, channels):
            out.mux(packet)
    return buf.getvalue()
