"""Analyse a recorded interview video (MP4 / MOV / WebM): sample frames, track faces, count blinks.

Decoding uses PyAV (FFmpeg bindings, wheels bundle FFmpeg so nothing is installed system-wide).
It reads straight from a BytesIO, so uploaded bytes never touch the disk; OpenCV's VideoCapture
needs a file name, and cannot read WebM from the browser's MediaRecorder reliably.

Frames are decoded in order (inter-coded video cannot be decoded out of order) but only the
sampled ones are converted to arrays and analysed, with one tracker for the whole video.
"""

from __future__ import annotations

import io
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import av
import numpy as np

from library.emotions import EMOTIONS
from library.errors import BadInput, PayloadTooLarge, UnprocessableInput, UnsupportedMediaType
from library.iso_tables import check_iso_tables
from library.video.blink import BlinkConfig, BlinkCounter
from library.video.pipeline import FacePipeline, FrameResult

MB = 1024 * 1024
# ISO base media (MP4, MOV, 3GP): a box size then one of these box types at offset 4.
ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
MATROSKA_MAGIC = b"\x1a\x45\xdf\xa3"  # EBML header: Matroska and WebM
ACCEPTED_FORMATS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm"}
# FFmpeg's demuxer for each container we sniff: named, so that its probe cannot pick another one.
DEMUXERS = {"iso": "mov", "matroska": "matroska"}
MAX_VIDEO_SIDE = 4096
MAX_VIDEO_PIXELS = 4096 * 2304  # DCI/UHD 4K fits; more is no interview recording
MAX_VIDEO_FPS = 240  # phones' slow motion; a higher rate is a forged header
# Wall time one upload may take. A 120-s 640x480 recording analysed at 5 frames a second should take
# about 20 s here (600 frames at benchmarks/video.py's ~25 ms, plus decoding every frame), so 180 s is ample.
MAX_PROCESS_S = 180.0
# Pixels decoded (width x height x every frame, sampled or not: inter-coded video is decoded whole).
# 2 minutes of 1080p at 30 fps fit; a 4096x2304 240-fps 2-minute file (0.95 MB of a still picture)
# asks for 36 times this, and took a minute of CPU before this budget.
MAX_DECODED_PIXELS = 1920 * 1080 * 30 * 120
# Decoders we run: what browsers' MediaRecorder and phones record. Others (MJPEG, whose progressive
# frames can each carry thousands of scans; ProRes; raw) are refused before a frame is decoded.
ACCEPTED_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"}


@dataclass
class VideoResult:
    duration_s: float
    frames: list[FrameResult]
    blinks: int
    blinks_per_minute: float | None
    sample_fps: float
    complete: bool = True  # False when decoding stopped early at a damaged part
    timeline: list[dict] = field(default_factory=list)

    def to_dict(self, with_frames: bool = False) -> dict:
        out = {
            "duration_s": round(self.duration_s, 3),
            "sample_fps": self.sample_fps,
            "frames_analysed": len(self.frames),
            "frames_with_face": sum(1 for f in self.frames if f.faces),
            "blinks": self.blinks,
            "blinks_per_minute": None if self.blinks_per_minute is None else round(self.blinks_per_minute, 2),
            "complete": self.complete,
            "timeline": self.timeline,
            "mean_probabilities": mean_probabilities(self.frames),
        }
        if with_frames:
            out["frames"] = [f.to_dict() for f in self.frames]
        return out


def timeline_entry(frame: FrameResult) -> dict:
    """Plain data for one sampled frame: the main (largest) face's emotions, or nulls."""
    face = frame.main_face
    return {
        "t": round(frame.t, 3),
        "faces": len(frame.faces),
        "dominant": face.dominant if face else None,
        "probabilities": {e: round(p, 4) for e, p in face.probabilities.items()} if face else None,
    }


def mean_probabilities(frames: list[FrameResult]) -> dict[str, float] | None:
    rows = [[f.main_face.probabilities[e] for e in EMOTIONS] for f in frames if f.main_face]
    if not rows:
        return None
    return {e: round(float(v), 4) for e, v in zip(EMOTIONS, np.mean(rows, axis=0))}


def sniff_container(head: bytes) -> str | None:
    if head[:4] == MATROSKA_MAGIC:
        return "matroska"
    if len(head) >= 8 and head[4:8] in ISO_BOXES:
        return "iso"
    return None


def _open_source(data: bytes | str | os.PathLike, max_bytes: int):
    """(file-like object over the video, container kind), after size and type checks.

    An MP4/MOV's sample tables are counted here too: FFmpeg builds its index from them in ``av.open``.
    """
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise BadInput("The video file was not found.")
        if path.stat().st_size > max_bytes:
            raise PayloadTooLarge(f"The video is over {max_bytes // MB} MB.")
        with path.open("rb") as fh:
            head = fh.read(16)
        source = path.open("rb")
    else:
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"The video is over {max_bytes // MB} MB.")
        head = bytes(data[:16])
        source = io.BytesIO(data)
    if not head:
        source.close()
        raise BadInput("The video is empty.")
    kind = sniff_container(head)
    if kind is None:
        source.close()
        raise UnsupportedMediaType("Please send an MP4, MOV or WebM video.")
    if kind == "iso":
        try:
            check_iso_tables(source)
        except BaseException:
            source.close()
            raise
    return source, kind


def _rotate(img: np.ndarray, degrees: int) -> np.ndarray:
    """Undo phone-style rotation metadata (multiples of 90 degrees, counter-clockwise)."""
    k = int(round(degrees / 90)) % 4
    return np.ascontiguousarray(np.rot90(img, k)) if k else img


def analyse_video(
    data: bytes | str | os.PathLike,
    pipeline: FacePipeline,
    sample_fps: float = 5.0,
    max_seconds: float = 120.0,
    max_bytes: int = 100 * MB,
    progress: Callable[[float], None] | None = None,
    blink_config: BlinkConfig | None = None,
    max_side: int = MAX_VIDEO_SIDE,
    max_pixels: int = MAX_VIDEO_PIXELS,
    max_fps: float = MAX_VIDEO_FPS,
    max_process_s: float = MAX_PROCESS_S,
    max_decoded_pixels: float = MAX_DECODED_PIXELS,
    on_frame: Callable[[np.ndarray, FrameResult], None] | None = None,
) -> VideoResult:
    """Sample ``sample_fps`` frames a second and analyse each; see module docstring.

    ``on_frame(gray, result)`` sees each sampled frame's pixels with its analysis while they are in memory
    (e.g. ``GradCamPicker``, for the upload's Grad-CAM view); nothing of the pixels is kept here.

    ``progress(fraction)`` is called after each sampled frame (fraction of the duration, or of
    ``max_seconds`` when the container does not state a duration, as MediaRecorder WebM often
    does) and with 1.0 at the end.

    Hostile files: the picture size, frame rate, frame count and duration the container
    declares are checked before decoding starts (PayloadTooLarge, or UnprocessableInput for a
    frame rate over ``max_fps``), and again while decoding, since a header can lie: at most
    ``(max_seconds + 0.5) * max_fps`` frames are decoded, each within the size limits, and the
    whole analysis stops with PayloadTooLarge after ``max_process_s`` seconds of wall time (a file
    within every limit can still be slow to decode, e.g. 4K at a high frame rate). The work is
    budgeted as the pixels to decode (picture x frames): refused from the declared figures when
    the container states them, and stopped while decoding once ``max_decoded_pixels`` are spent.
    """
    if not (0 < sample_fps <= 60):
        raise ValueError("sample_fps must be in (0, 60]")
    source, kind = _open_source(data, max_bytes)
    try:
        try:
            container = av.open(source, mode="r", format=DEMUXERS[kind])
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise UnprocessableInput("The video could not be read (damaged or unsupported encoding).") from exc
        with container:
            limits = _Limits(max_seconds, max_side, max_pixels, max_fps, max_process_s, max_decoded_pixels)
            return _analyse_container(container, pipeline, sample_fps, limits, progress, blink_config, on_frame)
    finally:
        source.close()


@dataclass(frozen=True)
class _Limits:
    max_seconds: float
    max_side: int
    max_pixels: int
    max_fps: float
    max_process_s: float = float("inf")
    max_decoded_pixels: float = float("inf")

    @property
    def max_frames(self) -> int:
        return math.ceil((self.max_seconds + 0.5) * self.max_fps)

    def check_picture(self, width: int, height: int) -> None:
        if width > self.max_side or height > self.max_side or width * height > self.max_pixels:
            raise PayloadTooLarge(f"The video's picture is too large ({width}x{height}); at most {self.max_side} px "
                                  f"a side and {self.max_pixels / 1e6:.1f} million pixels.")

    def too_much_to_decode(self, pixels: float, what: str) -> PayloadTooLarge:
        return PayloadTooLarge(f"The video is too much to decode ({what}: {pixels / 1e9:,.1f} billion pixels; at most "
                               f"{self.max_decoded_pixels / 1e9:,.1f} billion; 2 minutes of 1080p at 30 fps are 7.5). "
                               "Please send a smaller, slower or shorter recording.")


def _declared_duration(container, stream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _check_declared(container, stream, limits: _Limits) -> float | None:
    """Refuse from the container's own figures, before any frame is decoded; the duration."""
    cc = stream.codec_context
    if cc is None:  # FFmpeg found no decoder for the track (e.g. a file cut inside its header)
        raise UnprocessableInput("The video could not be read (damaged or unsupported encoding).")
    if cc.name not in ACCEPTED_CODECS:
        raise UnsupportedMediaType(f"The video's encoding ({cc.name}) is not one we read; please send H.264, HEVC, "
                                   "VP8, VP9 or AV1 (what phones and browsers record).")
    limits.check_picture(cc.width, cc.height)
    fps = float(stream.average_rate) if stream.average_rate else 0.0
    if fps > limits.max_fps:
        raise UnprocessableInput(f"The video's frame rate ({fps:,.0f} fps) is over {limits.max_fps:g} fps; "
                                 "please send an ordinary recording.")
    if stream.frames and stream.frames > limits.max_frames:
        raise PayloadTooLarge(f"The video has {stream.frames:,} frames; at most {limits.max_seconds:.0f} s "
                              f"at {limits.max_fps:g} fps ({limits.max_frames:,} frames).")
    duration = _declared_duration(container, stream)
    if duration is not None and duration > limits.max_seconds + 0.5:
        raise PayloadTooLarge(f"The video is {duration:,.0f} s long; at most {limits.max_seconds:.0f} s.")
    frames = stream.frames or (fps * duration if duration else 0)
    if cc.width * cc.height * frames > limits.max_decoded_pixels:
        raise limits.too_much_to_decode(cc.width * cc.height * frames,
                                        f"{cc.width}x{cc.height}, {frames:,.0f} frames")
    return duration if duration is not None and duration > 0 else None


def _analyse_container(container, pipeline, sample_fps, limits: _Limits, progress, blink_config,
                       on_frame=None) -> VideoResult:
    names = set(container.format.name.split(","))
    if not names & ACCEPTED_FORMATS:
        raise UnsupportedMediaType("Please send an MP4, MOV or WebM video.")
    if not container.streams.video:
        raise UnprocessableInput("The file has no video track.")
    stream = container.streams.video[0]
    duration = _check_declared(container, stream, limits)
    # The decoder's own bound, checked when a keyframe sets the picture's size and before its buffers are allocated:
    # a VP8 keyframe of 16000x16000 in a WebM declaring 320x240 was decoded once (+460 MB) before our check.
    stream.codec_context.options = {**stream.codec_context.options, "max_pixels": str(limits.max_pixels)}
    max_seconds = limits.max_seconds

    rate = float(stream.average_rate) if stream.average_rate else 30.0
    tracker = pipeline.tracker()
    blinks = BlinkCounter(blink_config or BlinkConfig())
    frames: list[FrameResult] = []
    step = 1.0 / sample_fps
    next_t, t0, last_t, index, complete, decoded = 0.0, None, 0.0, 0, True, 0
    deadline = time.monotonic() + limits.max_process_s
    try:
        for frame in container.decode(stream):
            if time.monotonic() > deadline:
                raise PayloadTooLarge(f"The video took over {limits.max_process_s:.0f} s to analyse; please send a "
                                      "shorter or smaller recording.")
            t = frame.time if frame.time is not None else index / rate
            index += 1
            if index > limits.max_frames:  # timestamps can lie; the count cannot
                raise PayloadTooLarge(f"The video has more than {limits.max_frames:,} frames "
                                      f"({max_seconds:.0f} s at {limits.max_fps:g} fps).")
            limits.check_picture(frame.width, frame.height)  # the stream may change size mid-way
            decoded += frame.width * frame.height
            if decoded > limits.max_decoded_pixels:  # a header may understate, or omit, the frames
                raise limits.too_much_to_decode(decoded, f"{index:,} frames decoded so far")
            t0 = t if t0 is None else t0
            t -= t0  # some containers start at a non-zero timestamp
            last_t = max(last_t, t)
            if t > max_seconds + 0.5:
                raise PayloadTooLarge(f"The video is longer than {max_seconds:.0f} s.")
            if t + 1e-6 < next_t:
                continue
            next_t = (math.floor(t / step + 1e-6) + 1) * step
            # In colour and with the accurate tier: an upload is a stored result, read at a few frames a second.
            rgb = _rotate(frame.to_ndarray(format="rgb24"), getattr(frame, "rotation", 0) or 0)
            gray = pipeline.finder.to_gray(rgb)
            result = pipeline.analyse_image(rgb, t=t, tracker=tracker, accurate=True)
            frames.append(result)
            if on_frame is not None:
                on_frame(gray, result)
            face = result.main_face
            blinks.add(t, face.eye_aspect_ratio if face else None)
            if progress is not None:
                progress(min(0.99, t / (duration or max_seconds)))
    except av.FFmpegError as exc:
        if not frames:
            raise UnprocessableInput("The video could not be decoded (damaged or unsupported encoding).") from exc
        complete = False  # keep what decoded before the damage (e.g. a truncated upload)
    if not frames:
        raise UnprocessableInput("The video has no decodable frames.")
    if progress is not None:
        progress(1.0)
    total = duration if duration is not None else last_t + 1.0 / rate
    return VideoResult(
        duration_s=float(total),
        frames=frames,
        blinks=blinks.count,
        blinks_per_minute=blinks.per_minute,
        sample_fps=sample_fps,
        complete=complete,
        timeline=[timeline_entry(f) for f in frames],
    )
