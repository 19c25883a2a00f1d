"""How much work a JPEG or PNG would ask of its decoder, read from the bytes before decoding.

A header's width and height bound the bitmap, not the work: a progressive JPEG may carry
thousands of refinement scans, each a pass over every block (83 KB of them held libjpeg for
6 s at 4096x2304), and a PNG's compressed stream may inflate far past what its header declares
(libpng inflates it all, 7.7 MB of deflated zeros took 16 s). Both are measured here, in bytes
only, so that the decoder never starts on such a file.
"""

from __future__ import annotations

import re
import struct
import zlib

from library.errors import PayloadTooLarge, UnprocessableInput, UnsupportedMediaType

# Start-of-frame markers of the progressive processes (Huffman and arithmetic, plain and differential).
_PROGRESSIVE_SOF = {0xC2, 0xC6, 0xCA, 0xCE}
_SOS, _EOI = 0xDA, 0xD9
# Markers without a length field: TEM and the restart markers RST0-7 (SOI is skipped before the walk).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# The next marker after entropy-coded data: 0xFF (fill bytes allowed) then anything but a stuffed
# zero or a restart marker, which belong to the data. libjpeg looks for markers this way too, so
# garbage between segments cannot hide a scan from this count.
_NEXT_MARKER = re.compile(rb"\xff+([^\x00\xd0-\xd7\xff])")
# PNG colour type -> samples a pixel (grey, -, RGB, palette, grey+alpha, -, RGBA).
_PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_INFLATE_STEP = 1 << 20  # inflate in steps of 1 MB, so checking costs no more memory than this


def jpeg_scans(data: bytes, stop_after: int) -> tuple[bool, int]:
    """(progressive?, number of scans), counting at most ``stop_after + 1`` scans.

    Walks the marker segments from SOI: each segment's length is skipped, and after a scan
    header the entropy-coded data up to the next real marker.
    """
    progressive, scans, pos = False, 0, 2
    while scans <= stop_after:
        found = _NEXT_MARKER.search(data, pos)
        if found is None:
            break
        marker, pos = found.group(1)[0], found.end()
        if marker in _STANDALONE:
            continue
        if marker == _EOI or pos + 2 > len(data):
            break
        length = struct.unpack(">H", data[pos:pos + 2])[0]
        progressive = progressive or marker in _PROGRESSIVE_SOF
        scans += marker == _SOS
        pos += max(length, 2)
    return progressive, scans


def check_jpeg_work(data: bytes, max_scans: int, allow_progressive: bool) -> None:
    """Refuse a progressive JPEG (when not allowed) or one with more than ``max_scans`` scans."""
    progressive, scans = jpeg_scans(data, stop_after=max_scans)
    if progressive and not allow_progressive:
        raise UnsupportedMediaType("Progressive JPEGs are not read here; please send a baseline JPEG or a PNG "
                                   "(what a browser's camera capture makes).")
    if scans > max_scans:
        raise PayloadTooLarge(f"The JPEG has more than {max_scans} scans; a camera frame has 1 to 3 "
                              f"(a progressive one about 10).")


def png_raw_size(width: int, height: int, bit_depth: int, colour_type: int, interlaced: bool) -> int:
    """Bytes the PNG's image data inflates to: each row is a filter byte and its packed samples."""
    bits = _PNG_SAMPLES.get(colour_type, 4) * bit_depth

    def rows(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return rows(width, height)
    # Adam7: seven reduced images, each with its own rows (x0, y0, dx, dy per pass; x0 < dx, y0 < dy).
    return sum(rows((width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy) for x0, y0, dx, dy in _ADAM7)


# The chunks a decoder needs to draw the picture: the critical ones and tRNS (transparency, which a
# colour decode reads). Everything else (text, colour profiles, EXIF, private chunks) is dropped before
# decoding: libpng inflates every zTXt/iTXt/iCCP chunk it meets, after the image data as well as
# before (up to 8 MB each; 3 MB of them held a core for 17-27 s), and nothing here reads them.
_PNG_KEPT = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
PNG_MAX_CHUNKS = 10_000  # a browser's PNG of 8 MB has about a thousand 8-KB IDAT chunks


def _png_chunks(data: bytes):
    """(type, start, end) of each chunk after the signature, until IEND; start..end is the whole chunk.

    A chunk whose length runs past the bytes is damaged: the walk refuses it instead of guessing.
    """
    pos, count = 8, 0
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length  # length, type, payload, CRC
        if end > len(data):
            raise UnprocessableInput("The PNG image is damaged (a chunk runs past the end of the file).")
        count += 1
        if count > PNG_MAX_CHUNKS:
            raise PayloadTooLarge(f"The PNG has more than {PNG_MAX_CHUNKS:,} chunks; a camera frame has a few dozen.")
        yield kind, pos, end
        if kind == b"IEND":
            return
        pos = end


def png_for_decoding(data: bytes) -> bytes:
    """The PNG rebuilt from the chunks that draw it, after refusing one whose work is unbounded.

    Refused: an animated PNG, more than ``PNG_MAX_CHUNKS`` chunks, and image data that inflates
    past the size its header declares. The data is inflated here, a megabyte at a time, and thrown
    away: a well-formed frame costs a second inflate (about 1 ms for 640x480), a bomb stops at its
    declared size plus one byte. Kept chunks are copied whole (with their CRC), so the decoder
    still checks them.
    """
    if len(data) < 29 or data[12:16] != b"IHDR":
        return data  # no header to judge by: the decoder refuses it as damaged
    width, height, bit_depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    expected = png_raw_size(width, height, bit_depth, colour_type, interlace == 1)
    inflater, produced, kept = zlib.decompressobj(), 0, [data[:8]]
    for kind, start, end in _png_chunks(data):
        if kind == b"acTL":
            raise UnsupportedMediaType("Animated PNGs are not read here; please send a single image.")
        if kind not in _PNG_KEPT:
            continue
        kept.append(data[start:end])
        if kind != b"IDAT" or inflater.eof:
            continue
        pending = data[start + 8:end - 4]
        while pending and not inflater.eof:
            try:
                out = inflater.decompress(pending, min(_INFLATE_STEP, expected + 1 - produced))
            except zlib.error:
                raise UnprocessableInput("The PNG image is damaged (its image data cannot be inflated).") from None
            produced += len(out)
            if produced > expected:
                raise PayloadTooLarge(f"The PNG's image data inflates past the {expected:,} bytes its header "
                                      f"declares ({width}x{height}); it is not a well-formed image.")
            pending = inflater.unconsumed_tail
    return b"".join(kept)


def check_png_work(data: bytes) -> None:
    """Refuse a PNG whose work is unbounded (see ``png_for_decoding``)."""
    png_for_decoding(data)
