"""Decode an uploaded or recorded audio file from memory: type by content, size and length limits.

* The container is recognised by its first bytes (never by the file name): RIFF/WAVE, AIFF, FLAC,
  Ogg (Vorbis, Opus, FLAC), Matroska/WebM (what browsers' MediaRecorder makes, Opus inside), MP3
  (ID3 tag or MPEG frame sync, also ADTS AAC), MP4/M4A (ISO ``ftyp`` box).
* WAV/AIFF/FLAC/Ogg go to ``soundfile`` (libsndfile) on a ``BytesIO``; what it cannot read (Ogg
  Opus on older libsndfile, WebM, MP3, M4A, odd WAV codecs) goes to PyAV (FFmpeg bundled in the
  wheel) on a ``BytesIO``. The recording never touches the disk.
* Length: refused from the header when it states one, else while decoding, as soon as the
  samples pass ``max_seconds`` (MediaRecorder WebM states no duration). WAV headers cannot
  claim more than the file holds: libsndfile and FFmpeg both cut the data size to the file's.
* Sample rate and channels: refused from the header, before decoding, when the rate is outside
  ``min_rate``..``max_rate`` (a 1-Hz "recording" of 16,000 samples would be 4 hours long; a
  10-MHz one would be resampled from millions of points a second) or there are no channels or
  more than ``max_channels``; checked again on the first decoded frame, as headers can lie.
* Work and memory: samples x channels is budgeted (``max_samples``), from the header when it
  states a length and while decoding otherwise, and channels are mixed to mono block by block,
  so a recording costs at most its mono samples in memory, never samples x channels (8 concurrent
  FLACs declaring 192 kHz x 8 channels x 60 s took a worker to 2.7 GB before).

Returns float32 samples mixed to mono at the file's own rate; callers resample (clipping is
judged before resampling, which would smooth flat tops away).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np

from library.errors import BadInput, PayloadTooLarge, UnprocessableInput, UnsupportedMediaType
from library.iso_tables import check_iso_tables

MB = 1024 * 1024
MIN_SECONDS = 0.5
MIN_RATE, MAX_RATE = 8_000, 192_000  # telephone speech .. studio masters
MAX_CHANNELS = 8  # 7.1 surround; browsers record 1 or 2
MAX_SAMPLES = 96_000 * 2 * 60  # samples x channels: a minute of 96 kHz stereo (or 192 kHz mono, 48 kHz 4.0)
BLOCK_FRAMES = 1 << 16  # frames decoded at a time, then mixed to mono
# libsndfile's frame count for a stream that states no length (a FLAC whose STREAMINFO says 0):
# SF_COUNT_MAX, not a duration.
_UNKNOWN_FRAMES = 2**63 - 1
# Extension -> MIME types we accept (for upload forms' accept= and messages; the content decides).
AUDIO_FORMATS: dict[str, tuple[str, ...]] = {
    "wav": ("audio/wav", "audio/x-wav", "audio/wave"),
    "flac": ("audio/flac", "audio/x-flac"),
    "ogg": ("audio/ogg", "audio/opus"),
    "webm": ("audio/webm", "video/webm"),
    "mp3": ("audio/mpeg", "audio/mp3"),
    "m4a": ("audio/mp4", "audio/x-m4a", "audio/aac"),
}
UNSUPPORTED = "Please send a WAV, FLAC, OGG, WebM, MP3 or M4A recording."
# FFmpeg format names we accept from PyAV (its probe must agree with our sniffing).
AV_FORMATS = {"wav", "aiff", "flac", "ogg", "matroska", "webm", "mp3", "aac", "mov", "mp4", "m4a", "3gp", "3g2", "mj2"}
# FFmpeg's demuxer named for the containers whose probe could otherwise pick another (MP4 boxes can be
# found inside other data); the others' magic bytes decide already, and MP3 and ADTS AAC share a sniff.
DEMUXERS = {"m4a": "mov", "webm": "matroska"}


def sniff(head: bytes) -> str | None:
    """Container family from the first bytes, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska / WebM
        return "webm"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "m4a"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x18) != 0x08:
        # MPEG audio frame sync (11 set bits, then a version other than the reserved 01); layer 00 is ADTS AAC
        return "mp3"
    return None


@dataclass(frozen=True)
class _Format:
    """What a recording's header may declare."""

    min_rate: int = MIN_RATE
    max_rate: int = MAX_RATE
    max_channels: int = MAX_CHANNELS
    max_seconds: float = 60.0
    max_samples: int = MAX_SAMPLES

    def check(self, rate: int | None, channels: int | None) -> None:
        """Refuse a rate or channel count we will not decode; None: not declared (yet)."""
        if rate is not None and not self.min_rate <= rate <= self.max_rate:
            raise UnprocessableInput(f"The recording's sample rate ({rate:,} Hz) is outside what we read "
                                     f"({self.min_rate:,} to {self.max_rate:,} Hz).")
        if channels is not None and channels <= 0:
            raise UnprocessableInput("The recording declares no audio channels.")
        if channels is not None and channels > self.max_channels:
            raise UnprocessableInput(f"The recording has {channels:,} channels; at most {self.max_channels}.")

    def check_length(self, frames: int, rate: int, channels: int) -> None:
        """Refuse ``frames`` (per channel) once they pass the duration or the samples x channels budget."""
        if frames / rate > self.max_seconds + 0.5:
            raise _too_long(frames / rate, self.max_seconds)
        if frames * channels > self.max_samples:
            raise PayloadTooLarge(f"The recording holds too many samples ({frames:,} at {rate:,} Hz x {channels} "
                                  f"channels = {frames * channels / 1e6:,.1f} million; at most "
                                  f"{self.max_samples / 1e6:,.1f} million, e.g. a minute of 96 kHz stereo).")


def _too_long(seconds: float, max_seconds: float) -> PayloadTooLarge:
    return PayloadTooLarge(f"The recording is {seconds:,.0f} s long; at most {max_seconds:.0f} s.")


def wav_declared_channels(data: bytes) -> int | None:
    """The channel count in a WAV's ``fmt `` chunk, or None when there is none to read.

    libsndfile refuses a header with thousands of channels and FFmpeg then reports none, so the
    refusal would say "no channels"; the header's own number is what the person should hear.
    """
    pos = 12
    while pos + 8 <= len(data):
        kind, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if kind == b"fmt " and size >= 4 and pos + 12 <= len(data):
            return struct.unpack("<H", data[pos + 10:pos + 12])[0]
        pos += 8 + size + (size & 1)  # RIFF chunks are padded to an even size
    return None


def _with_soundfile(data: bytes, fmt: _Format) -> tuple[np.ndarray, int] | None:
    """(mono float32, rate), or None when libsndfile cannot read it (then PyAV tries)."""
    import soundfile as sf

    try:
        info = sf.info(io.BytesIO(data))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return None
    if info.samplerate <= 0 or info.frames >= _UNKNOWN_FRAMES:
        # No length stated: libsndfile's reads from memory then fail on a seek; FFmpeg decodes it as a stream.
        return None
    rate, channels = int(info.samplerate), int(info.channels)
    fmt.check(rate, channels)
    if info.frames > 0:
        fmt.check_length(info.frames, rate, channels)
    chunks, total = [], 0
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            while len(block := f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)):
                total += len(block)
                fmt.check_length(total, rate, channels)
                chunks.append(block.mean(axis=1, dtype=np.float32))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return None
    return (np.concatenate(chunks) if chunks else np.zeros(0, np.float32)), rate


def _with_av(data: bytes, fmt: _Format, kind: str) -> tuple[np.ndarray, int]:
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r", format=DEMUXERS.get(kind))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise UnprocessableInput("The recording could not be read (damaged or unsupported encoding).") from exc
    with container:
        names = set(container.format.name.split(","))
        if not names & AV_FORMATS:
            raise UnsupportedMediaType(UNSUPPORTED)
        if not container.streams.audio:
            raise UnprocessableInput("The file has no audio track.")
        stream = container.streams.audio[0]
        if stream.codec_context is None:  # FFmpeg found no decoder for the track (e.g. a file cut in its header)
            raise UnprocessableInput("The recording could not be read (damaged or unsupported encoding).")
        fmt.check(stream.codec_context.sample_rate or None, stream.codec_context.channels)
        if container.duration is not None and container.duration / av.time_base > fmt.max_seconds + 0.5:
            raise _too_long(container.duration / av.time_base, fmt.max_seconds)
        rate = stream.codec_context.sample_rate or stream.rate
        # Planar float at the stream's own rate: channels stay separate for our own mixdown.
        resampler = av.AudioResampler(format="fltp", rate=rate) if rate else None
        chunks, total = [], 0
        try:
            for frame in container.decode(stream):
                if not chunks:  # the first frame: what the decoder found, whatever the header said
                    fmt.check(frame.sample_rate or None, frame.layout.nb_channels)
                rate = rate or frame.sample_rate
                if resampler is None:
                    resampler = av.AudioResampler(format="fltp", rate=rate)
                for out in resampler.resample(frame):
                    a = out.to_ndarray()  # (channels, samples)
                    chunks.append(a.mean(axis=0))
                    total += a.shape[1]
                fmt.check_length(total, rate, frame.layout.nb_channels)
            if resampler is not None:
                for out in resampler.resample(None):  # flush
                    chunks.append(out.to_ndarray().mean(axis=0))
        except av.FFmpegError as exc:
            if not chunks:
                raise UnprocessableInput("The recording could not be decoded (damaged or unsupported encoding).") from exc
            # keep what decoded before the damage (e.g. a recording cut off mid-upload)
    if not chunks or not rate:
        raise UnprocessableInput("The recording has no decodable audio.")
    return np.concatenate(chunks).astype(np.float32), int(rate)


def decode_audio(data: bytes, *, max_bytes: int = 10 * MB, max_seconds: float = 60.0, min_rate: int = MIN_RATE,
                 max_rate: int = MAX_RATE, max_channels: int = MAX_CHANNELS,
                 max_samples: int = MAX_SAMPLES) -> tuple[np.ndarray, int]:
    """Bytes of a recording -> (mono float32 samples, sample rate). Raises the library's InputErrors:
    PayloadTooLarge (bytes, seconds, samples x channels), UnsupportedMediaType (not a container we
    read), UnprocessableInput (sample rate or channels out of range, undecodable, too short)."""
    fmt = _Format(min_rate, max_rate, max_channels, max_seconds, max_samples)
    if data is None or len(data) == 0:
        raise BadInput("The recording is empty.")
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The recording is over {max_bytes / MB:.0f} MB.")
    data = bytes(data)
    kind = sniff(data[:16])
    if kind is None:
        raise UnsupportedMediaType(UNSUPPORTED)
    if kind == "wav":
        fmt.check(None, wav_declared_channels(data))
    if kind == "m4a":
        check_iso_tables(io.BytesIO(data))  # FFmpeg builds an MP4's whole index in av.open: counted first
    decoded = _with_soundfile(data, fmt) if kind in ("wav", "aiff", "flac", "ogg") else None
    if decoded is None:
        decoded = _with_av(data, fmt, kind)
    x, sr = decoded
    if not np.all(np.isfinite(x)):
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    if len(x) / sr < MIN_SECONDS:
        raise UnprocessableInput(f"The recording is too short ({len(x) / sr:.1f} s); please record at least "
                                 f"{MIN_SECONDS:.1f} s of speech.")
    return x, sr
