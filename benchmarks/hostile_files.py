"""Hostile files of issue #15, made in memory: shared by benchmarks/attacks_limits.py and the tests.

Each is small to send and costly to decode the naive way; each is made here, at run time, never
committed. Sizes in the docstrings are what these makers produce at their defaults.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from fractions import Fraction

import numpy as np


def progressive_jpeg_bomb(width: int = 4096, height: int = 2304, repeats: int = 1000) -> bytes:
    """A progressive JPEG of a flat picture whose last refinement scan is repeated ``repeats`` times.

    libjpeg warns ("inconsistent progression sequence") and decodes every scan, each a pass over all
    of the picture's blocks: 79 KB and 6.7 s to decode at the defaults.
    """
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 128, np.uint8)).save(buffer, "JPEG", progressive=True, quality=90)
    data = buffer.getvalue()
    last_scan = [m.start() for m in re.finditer(rb"\xff\xda", data)][-1]
    scan = data[last_scan:data.rindex(b"\xff\xd9")]
    return data[:last_scan] + scan * repeats + b"\xff\xd9"


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_with_image_data(width: int, height: int, raw: bytes | int, interlaced: bool = False) -> bytes:
    """An 8-bit grey PNG whose IDAT is ``raw`` deflated, or ``raw`` MB of zeros when it is an int.

    A well-formed one has exactly ``png_raw_size`` bytes; more is what a bomb carries: 1,000 MB of
    zeros deflate to 1 MB, and libpng inflates every byte of it for a 64x64 picture.
    """
    if isinstance(raw, int):
        packer, block = zlib.compressobj(9), bytes(1 << 20)
        data = b"".join(packer.compress(block) for _ in range(raw)) + packer.flush()
    else:
        data = zlib.compress(raw)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 1 if interlaced else 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def png_with_text_after_image(total_bytes: int = 3_000_000, inflated_each: int = 4_000_000,
                              kind: bytes = b"zTXt") -> bytes:
    """A real 640x480 PNG, then compressed text chunks after its image data up to ``total_bytes``.

    Each zTXt (or iTXt) deflates ``inflated_each`` bytes of one letter to about 4 KB; libpng inflates
    every one (to its 8 MB cap) when it reads past the image: 3 MB of them held a core 17 s here.
    """
    import cv2

    image = cv2.imencode(".png", np.full((480, 640), 128, np.uint8))[1].tobytes()
    head, iend = image[:-12], image[-12:]
    text = zlib.compress(b"a" * inflated_each, 9)
    parts, size, index = [head], len(head), 0
    while size < total_bytes:
        keyword = b"k%d\x00" % index
        payload = keyword + (b"\x00" + text if kind == b"zTXt" else b"\x01\x00\x00\x00" + text)
        parts.append(png_chunk(kind, payload))
        size, index = size + len(parts[-1]), index + 1
    return b"".join(parts + [iend])


def silent_flac(rate: int = 192_000, channels: int = 8, seconds: int = 60) -> bytes:
    """Real silence, written a second at a time: 94 KB at the defaults (92 million samples)."""
    import soundfile as sf

    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", rate, channels, format="FLAC", subtype="PCM_16") as out:
        second = np.zeros((rate, channels), np.int16)
        for _ in range(seconds):
            out.write(second)
    return buffer.getvalue()


def flac_of_unknown_length(rate: int = 16_000, seconds: int = 1) -> bytes:
    """A real FLAC whose STREAMINFO says 0 samples, which the format defines as "unknown"."""
    data = bytearray(silent_flac(rate, 1, seconds))
    # STREAMINFO (from byte 8): block sizes (4 bytes), frame sizes (6), then 64 bits: rate (20),
    # channels (3), bits per sample (5), total samples (36).
    (packed,) = struct.unpack(">Q", data[18:26])
    data[18:26] = struct.pack(">Q", packed & ~((1 << 36) - 1))
    return bytes(data)


def wav_with_channels(channels: int, rate: int = 16_000, data_bytes: int = 1000) -> bytes:
    """A 16-bit PCM WAV header declaring ``channels`` (up to 65,535), then silence."""
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * channels * 2) & 0xFFFFFFFF, (channels * 2) & 0xFFFF, 16)
    pcm = bytes(data_bytes)
    return (b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"data" + struct.pack("<I", len(pcm)) + pcm)


def still_h264(seconds: int = 120, fps: int = 240, width: int = 4096, height: int = 2304) -> bytes:
    """A still picture at ``fps`` for ``seconds``: one keyframe, then one all-skip frame muxed again
    and again. 0.95 MB at the defaults, and a minute of CPU to decode its 28,800 frames."""
    import av

    encoder = av.CodecContext.create("libx264", "w")
    encoder.width, encoder.height, encoder.pix_fmt, encoder.time_base = width, height, "yuv420p", Fraction(1, fps)
    encoder.options = {"preset": "ultrafast", "bframes": "0", "g": "100000", "crf": "51"}
    picture = av.VideoFrame.from_ndarray(np.full((height, width, 3), 90, np.uint8), format="rgb24")
    packets = []
    for pts in range(2):
        picture.pts = pts
        packets += encoder.encode(picture)
    packets += encoder.encode(None)
    key, skip = bytes(packets[0]), bytes(packets[1])
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.extradata = encoder.extradata
        for i in range(seconds * fps):
            packet = av.Packet(key if i == 0 else skip)
            packet.pts = packet.dts = i
            packet.time_base, packet.stream, packet.is_keyframe = Fraction(1, fps), stream, i == 0
            out.mux(packet)
    return buffer.getvalue()


def _iso_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _iso_rewrite(data: bytes, tables: dict[bytes, bytes | None]) -> bytes:
    """``data`` (a run of boxes) with each table box in ``tables`` replaced by its new payload, or dropped."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + size]
        if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
            out.append(_iso_box(kind, _iso_rewrite(payload, tables)))
        elif kind in tables:
            if tables[kind] is not None:
                out.append(_iso_box(kind, tables[kind]))
        else:
            out.append(data[pos:pos + size])
        pos += size
    return b"".join(out)


def mp4_with_sample_tables(samples: int = 20_000_000, edits: int = 0) -> bytes:
    """A real H.264 MP4 (3 frames of 64x64) whose tables declare ``samples`` samples in one chunk.

    The sample-size box states one constant size and the count (12 bytes), the chunk box one chunk:
    nothing grows with the count but FFmpeg's index, built in ``av.open``. The moov is moved before
    the data, so its chunk offset is set again. About 2 KB whatever the count (the attack's file of
    54 KB was the same with a longer picture). ``edits`` > 0 adds an edit list of that many edits, each
    covering the whole track: FFmpeg copies the index once per edit.
    """
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=5)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 40 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    clip = buffer.getvalue()
    boxes, pos = {}, 0
    while pos + 8 <= len(clip):
        size, kind = struct.unpack(">I4s", clip[pos:pos + 8])
        boxes[kind] = clip[pos:pos + size]
        pos += size
    mdat = boxes[b"mdat"]
    tables = {b"stts": struct.pack(">IIII", 0, 1, samples, 1), b"stsc": struct.pack(">IIIII", 0, 1, 1, samples, 1),
              b"stsz": struct.pack(">III", 0, 100, samples), b"stss": None, b"ctts": None, b"sdtp": None}
    def built(offset: int) -> bytes:
        moov = _iso_rewrite(boxes[b"moov"], {**tables, b"stco": struct.pack(">III", 0, 1, offset)})
        if edits:
            elst = _iso_box(b"elst", struct.pack(">II", 0, edits) + struct.pack(">IiI", samples, 0, 0x10000) * edits)
            at = moov.index(b"mdia") - 4  # the edit list goes in the track, before its media
            moov = moov[:at] + _iso_box(b"edts", elst) + moov[at:]
            trak = moov.index(b"trak") - 4
            grown = len(_iso_box(b"edts", elst))
            for start in (0, trak):  # the moov's and the trak's sizes grow by the edts box
                size = struct.unpack(">I", moov[start:start + 4])[0] + grown
                moov = moov[:start] + struct.pack(">I", size) + moov[start + 4:]
        return moov

    moov = built(0)  # the chunk offset depends on the moov's size, which does not change with it
    moov = built(len(boxes[b"ftyp"]) + len(moov) + 8)
    return boxes[b"ftyp"] + moov + mdat


def webm_with_large_keyframe(side: int = 16000) -> bytes:
    """A real VP8 WebM of 320x240 (3 frames) whose first keyframe's header says ``side`` x ``side``.

    The container still declares 320x240; libvpx allocates the keyframe's picture (460 MB at the default) before
    it finds the data too short. 0.7 KB.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from media import make_video

    clip = make_video([np.full((240, 320, 3), 100, np.uint8)] * 3, fmt="webm", codec="libvpx", fps=5)
    at = clip.index(b"\x9d\x01\x2a") + 3  # a VP8 keyframe's start code, then width and height (14 bits each)
    return clip[:at] + struct.pack("<HH", side, side) + clip[at + 4:]


def mjpeg_mov(frames: int = 3, width: int = 64, height: int = 64) -> bytes:
    """A QuickTime file of Motion JPEG: a codec FFmpeg decodes (progressive frames and all), we do not."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mov") as out:
        stream = out.add_stream("mjpeg", rate=5)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuvj420p"
        for i in range(frames):
            picture = av.VideoFrame.from_ndarray(np.full((height, width, 3), i * 60, np.uint8), format="rgb24")
            for packet in stream.encode(picture):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def mp4_cut_without_codec(clip: bytes) -> bytes:
    """``clip`` cut where FFmpeg still opens it and finds its video track, but no decoder for it
    (PyAV's ``stream.codec_context`` is None): inside the track's header."""
    import av

    for cut in range(clip.find(b"moov"), len(clip)):
        try:
            with av.open(io.BytesIO(clip[:cut])) as container:
                if container.streams.video and container.streams.video[0].codec_context is None:
                    return clip[:cut]
        except (av.FFmpegError, EOFError, ValueError, OSError):
            continue
    raise ValueError("no cut of this clip leaves a track without a decoder")


def nested_json(depth: int = 100_000) -> bytes:
    return b"[" * depth
