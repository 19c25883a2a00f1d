"""Decode one webcam frame (JPEG or PNG) from bytes, in memory, safely.

The type is judged by content (magic bytes), never by a file name or a client's Content-Type.
Dimensions are read from the header *before* decoding, so a small file that would decode to
a huge bitmap (a decompression bomb: a 20000x20000 PNG of zeros is 0.4 MB) is refused
without allocating it. Pillow reads the header (``Image.open`` is lazy: it parses the
header and stops); OpenCV then does the decoding (libjpeg-turbo), which is faster. The work a
small file can still ask for (a JPEG's scans, a PNG's inflated data) is bounded first too
(``library/video/image_work.py``).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from library.errors import BadInput, PayloadTooLarge, UnprocessableInput, UnsupportedMediaType
from library.video.image_work import check_jpeg_work, png_for_decoding

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}


@dataclass(frozen=True)
class FrameLimits:
    max_bytes: int = 8 * 1024 * 1024
    max_side: int = 4096
    max_pixels: int = 4096 * 2304  # 4K UHD-ish; a webcam frame is 0.3-2 Mpx
    # A browser's canvas makes baseline JPEGs (1 scan; 3 when not interleaved); libjpeg's
    # progressive script has 10. Each scan is a pass over the whole picture.
    max_jpeg_scans: int = 10
    allow_progressive: bool = False


def sniff(data: bytes) -> str | None:
    """'jpeg', 'png' or None, from the first bytes."""
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    return None


def png_declared_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's first 24 bytes, unchecked; None when they are not there.

    PNG's first chunk is IHDR at a fixed place (length, "IHDR", width, height; big-endian), so a
    bomb is refused as too large from these bytes alone, even when the rest of its header is
    broken (Pillow would first refuse it as damaged, over a checksum).
    """
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def image_size(data: bytes) -> tuple[str, int, int]:
    """('jpeg' or 'png', width, height) from the header alone; nothing is decoded."""
    kind = sniff(data)
    if kind is None:
        raise UnsupportedMediaType("Please send a JPEG or PNG image.")
    try:
        # Only the sniffed format's reader runs, so a PNG cannot be read as something else.
        with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own cap (~179 Mpx), far above ours
        raise PayloadTooLarge("The image is far too large: its header claims hundreds of millions of pixels.") from None
    except Exception:  # UnidentifiedImageError, or a header Pillow cannot parse (SyntaxError, struct.error...)
        raise UnprocessableInput(f"The {kind.upper()} image is damaged (its header cannot be read).") from None
    return kind, width, height


def _check_size(width: int, height: int, limits: FrameLimits) -> None:
    if width == 0 or height == 0:
        raise UnprocessableInput("The image has no pixels.")
    if width > limits.max_side or height > limits.max_side or width * height > limits.max_pixels:
        raise PayloadTooLarge(f"The image is too large ({width}x{height}); at most {limits.max_side} px a side "
                              f"and {limits.max_pixels / 1e6:.1f} million pixels.")


def decode_image(data: bytes, limits: FrameLimits | None = None, gray: bool = True) -> np.ndarray:
    """Decode to uint8 grayscale (H, W) or RGB (H, W, 3).

    Grayscale is the default because the whole face pipeline works in gray, and libjpeg then
    skips colour conversion (0.9 ms instead of 1.3 ms for a 640x480 frame).
    """
    limits = limits or FrameLimits()
    if not data:
        raise BadInput("The image is empty.")
    if len(data) > limits.max_bytes:
        raise PayloadTooLarge(f"The image is over {limits.max_bytes // (1024 * 1024)} MB.")
    data = bytes(data)
    if sniff(data) == "png":
        declared = png_declared_size(data)
        if declared is not None:
            _check_size(*declared, limits)
        # Only the chunks that draw the picture reach Pillow and libpng (text chunks cost inflating).
        data = png_for_decoding(data)
    kind, width, height = image_size(data)
    _check_size(width, height, limits)
    if kind == "jpeg":
        check_jpeg_work(data, limits.max_jpeg_scans, limits.allow_progressive)
    flags = cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    if img is None:
        raise UnprocessableInput(f"The {kind.upper()} image could not be decoded.")
    if not gray:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return img
