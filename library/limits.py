"""The limits an upload is read under, one typed object per channel, made from configuration here only.

    config = config_defaults()                   # {"VIDEO_MAX_MB": 100, ...}: defaults, then ESAPR_* variables
    limits = Limits.from_config(config)          # the web app passes its app.config; the batch these defaults
    analyse_audio_upload(data, limits.audio, models)

The web app's configuration (web/platform/config.py) takes its limit settings from ``config_defaults``, and the
batch builds its ``Limits`` from the same function, so a file the app would refuse is refused by the batch with
the same message, and both read it with the same figures. A limit changed in one place changes in both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from library.text.pdf import PdfLimits

MB = 1024 * 1024

# Setting -> (environment variable, default). Sizes in MB, durations in seconds.
SETTINGS: dict[str, tuple[str, int]] = {
    "VIDEO_MAX_MB": ("ESAPR_VIDEO_MAX_MB", 100),
    "VIDEO_MAX_SECONDS": ("ESAPR_VIDEO_MAX_SECONDS", 120),
    "VIDEO_SAMPLE_FPS": ("ESAPR_VIDEO_SAMPLE_FPS", 5),  # frames analysed per second of a file
    # An uploaded video's picture and frame rate, read from the container before decoding.
    "VIDEO_MAX_SIDE": ("ESAPR_VIDEO_MAX_SIDE", 4096),
    "VIDEO_MAX_PIXELS": ("ESAPR_VIDEO_MAX_PIXELS", 4096 * 2304),
    "VIDEO_MAX_FPS": ("ESAPR_VIDEO_MAX_FPS", 240),
    # Wall time one uploaded video may take to analyse (a file within every other limit can still be slow).
    "VIDEO_MAX_PROCESS_S": ("ESAPR_VIDEO_MAX_PROCESS_S", 180),
    # Work budget (#15): pixels decoded (picture x every frame), from the container before decoding
    # and counted while decoding; the default is 2 minutes of 1080p at 30 fps.
    "VIDEO_MAX_DECODED_PIXELS": ("ESAPR_VIDEO_MAX_DECODED_PIXELS", 1920 * 1080 * 30 * 120),
    "GRADCAM_EVERY": ("ESAPR_GRADCAM_EVERY", 10),  # one frame in this many is a Grad-CAM candidate
    "AUDIO_MAX_MB": ("ESAPR_AUDIO_MAX_MB", 10),
    "AUDIO_MAX_SECONDS": ("ESAPR_AUDIO_MAX_SECONDS", 60),
    # A recording's sample rate and channels, read from its header before decoding.
    "AUDIO_MIN_RATE": ("ESAPR_AUDIO_MIN_RATE", 8_000),
    "AUDIO_MAX_RATE": ("ESAPR_AUDIO_MAX_RATE", 192_000),
    "AUDIO_MAX_CHANNELS": ("ESAPR_AUDIO_MAX_CHANNELS", 8),
    # Work and memory budget (#15): samples x channels, from the header before decoding and counted
    # while decoding; a minute of 96 kHz stereo.
    "AUDIO_MAX_SAMPLES": ("ESAPR_AUDIO_MAX_SAMPLES", 96_000 * 2 * 60),
    "TEXT_MAX_CHARS": ("ESAPR_TEXT_MAX_CHARS", 200_000),
    "TEXT_MIN_WORDS": ("ESAPR_TEXT_MIN_WORDS", 50),
    "PDF_MAX_PAGES": ("ESAPR_PDF_MAX_PAGES", 300),
    # Hostile input (#6): PDFs are read in a child process with these bounds (library/text/pdf.py).
    "PDF_TIMEOUT_S": ("ESAPR_PDF_TIMEOUT_S", 20),
    "PDF_MAX_MEMORY_MB": ("ESAPR_PDF_MAX_MEMORY_MB", 1024),
}


def env_int(name: str, default: int) -> int:
    """An integer setting from the environment; ``default`` when unset or blank."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def config_defaults() -> dict[str, int]:
    """The limit settings: their defaults, each replaced by its ``ESAPR_*`` environment variable when set."""
    return {key: env_int(env, default) for key, (env, default) in SETTINGS.items()}


@dataclass(frozen=True)
class AudioLimits:
    max_bytes: int
    max_seconds: float
    min_rate: int
    max_rate: int
    max_channels: int
    max_samples: int

    def decode(self) -> dict[str, Any]:
        """``decode_audio``'s keyword limits other than size and duration (a video's sound has its own)."""
        return {"min_rate": self.min_rate, "max_rate": self.max_rate, "max_channels": self.max_channels,
                "max_samples": self.max_samples}


@dataclass(frozen=True)
class VideoLimits:
    max_bytes: int
    max_seconds: float
    sample_fps: float
    max_side: int
    max_pixels: int
    max_fps: float
    max_process_s: float
    max_decoded_pixels: int
    gradcam_every: int


@dataclass(frozen=True)
class TextLimits:
    min_words: int
    max_chars: int
    pdf: PdfLimits


@dataclass(frozen=True)
class Limits:
    video: VideoLimits
    audio: AudioLimits
    text: TextLimits

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Limits:
        """The limits of a configuration holding every key of ``SETTINGS`` (the app's, or ``config_defaults()``)."""
        return cls(
            video=VideoLimits(max_bytes=config["VIDEO_MAX_MB"] * MB, max_seconds=config["VIDEO_MAX_SECONDS"],
                              sample_fps=config["VIDEO_SAMPLE_FPS"], max_side=config["VIDEO_MAX_SIDE"],
                              max_pixels=config["VIDEO_MAX_PIXELS"], max_fps=config["VIDEO_MAX_FPS"],
                              max_process_s=config["VIDEO_MAX_PROCESS_S"],
                              max_decoded_pixels=config["VIDEO_MAX_DECODED_PIXELS"],
                              gradcam_every=config["GRADCAM_EVERY"]),
            audio=AudioLimits(max_bytes=config["AUDIO_MAX_MB"] * MB, max_seconds=float(config["AUDIO_MAX_SECONDS"]),
                              min_rate=config["AUDIO_MIN_RATE"], max_rate=config["AUDIO_MAX_RATE"],
                              max_channels=config["AUDIO_MAX_CHANNELS"], max_samples=config["AUDIO_MAX_SAMPLES"]),
            text=TextLimits(min_words=config["TEXT_MIN_WORDS"], max_chars=config["TEXT_MAX_CHARS"],
                            pdf=PdfLimits(max_pages=config["PDF_MAX_PAGES"], timeout_s=float(config["PDF_TIMEOUT_S"]),
                                          max_memory_mb=config["PDF_MAX_MEMORY_MB"])),
        )


def default_limits() -> Limits:
    """The limits of a process without an app (the batch, the command line): ``config_defaults``'s."""
    return Limits.from_config(config_defaults())
