"""Hostile and broken uploads through the API: refused with the right status, a clear message,
no stack trace, and (where the work could run away) within a bounded time.

Every file is made here, at test time: decompression bombs, forged headers, renamed files,
truncated and encrypted documents. ``BOUND_S`` is a safety invariant (a worker is never held
for long), not a speed target.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from fractions import Fraction

import numpy as np
import pytest

from media import interview_frame, jpeg_bytes, make_video
from sample_texts import ESSAY

BOUND_S = 10.0


# --- helpers -----------------------------------------------------------------------------------

def post_file(client, url: str, field: str, data: bytes, name: str):
    start = time.perf_counter()
    response = client.post(url, data={field: (io.BytesIO(data), name)}, content_type="multipart/form-data")
    return response, time.perf_counter() - start


def assert_answer(response, status: int, *words: str) -> dict:
    """The exact status, a JSON body (with ``error`` for a refusal) and no stack trace."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:400]
    assert "Traceback" not in text and 'File "' not in text, text[:400]
    body = response.get_json()
    assert isinstance(body, dict), text[:200]
    if status >= 400:
        assert isinstance(body.get("error"), str) and body["error"], body
        for word in words:
            assert word in body["error"], body["error"]
    return body


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit grey PNG of zeros: ~50 KB for 20000x20000, decoding to width*height bytes."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then the packed pixels
    packer = zlib.compressobj(9)
    rows_per_chunk = max(1, (8 << 20) // len(row))
    parts = [packer.compress(row * min(rows_per_chunk, height - start)) for start in range(0, height, rows_per_chunk)]
    data = b"".join(parts) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose frame header is patched to claim another size."""
    data = bytearray(jpeg_bytes(interview_frame()))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def wav_bytes(rate: int, channels: int = 1, seconds: float = 1.0, declared_data_bytes: int | None = None,
              silent: bool = False) -> bytes:
    """16-bit PCM WAV written by hand, so that its header can say what a writer never would."""
    frames = max(1, int(rate * seconds)) if rate < 1_000_000 else 16_000
    t = np.arange(frames * max(channels, 1)) / 40.0
    pcm = (np.zeros_like(t) if silent else np.sin(t) * 8000).astype("<i2").tobytes()
    data_size = len(pcm) if declared_data_bytes is None else declared_data_bytes
    block = channels * 2
    fmt = struct.pack("<HHIIHH", 1, channels, rate, (rate * block) & 0xFFFFFFFF, block, 16)
    riff_size = min(4 + 24 + 8 + data_size, 0xFFFFFFFF)
    return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + riff_chunk(b"fmt ", fmt)
            + b"data" + struct.pack("<I", data_size) + pcm)


def riff_chunk(kind: bytes, payload: bytes) -> bytes:  # a RIFF chunk: id, little-endian size, payload
    return kind + struct.pack("<I", len(payload)) + payload


def flac_claiming_samples(total: int) -> bytes:
    """A real FLAC whose STREAMINFO claims ``total`` samples (36 bits) - hours, for a one-second file."""
    import soundfile as sf

    buffer = io.BytesIO()
    sf.write(buffer, np.zeros(16_000, dtype=np.float32), 16_000, format="FLAC")
    data = bytearray(buffer.getvalue())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    # STREAMINFO (from byte 8): block sizes (4 bytes), frame sizes (6), then 64 bits: rate (20),
    # channels (3), bits per sample (5), total samples (36).
    (packed,) = struct.unpack(">Q", data[18:26])
    packed = (packed & ~((1 << 36) - 1)) | total
    data[18:26] = struct.pack(">Q", packed)
    return bytes(data)


def video_bytes(width=64, height=64, frames=5, rate=5, fmt="mp4", codec="libx264") -> bytes:
    """A small synthetic clip (grey ramps), fast to encode at any size or rate."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(frames):
            image = np.full((height, width, 3), (i * 40) % 256, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def text_pdf(pages: int = 2) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for i in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"{ESSAY} Page {i + 1}.")
    return bytes(pdf.output())


def pdf_with_content(raw: bytes, with_font: bool = True) -> bytes:
    """One page whose content stream is ``raw``, deflated (how a compression bomb is made)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    if with_font:
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    stream = StreamObject()
    stream.set_data(raw)
    stream = stream.flate_encode(level=9)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def operator_bomb(megabytes: int) -> bytes:
    """A content stream of ``megabytes`` MB of text operators: ~2.5 KB a MB deflated, ~2 s a MB for pypdf."""
    line = b"BT /F1 12 Tf 10 10 Td (a) Tj ET\n"
    return pdf_with_content(line * (megabytes * 1024 * 1024 // len(line)))


def encrypted_pdf(user_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pages_pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- images: live frames ------------------------------------------------------------------------

FRAME = "/api/v1/video/frame"


@pytest.mark.real_models
def test_png_decompression_bomb_is_refused_from_its_header(client):
    bomb = png_bomb(20_000, 20_000)  # 400 million pixels in ~50 KB
    assert len(bomb) < 100_000
    response, seconds = post_file(client, FRAME, "frame", bomb, "frame.png")
    assert_answer(response, 413, "too large")
    assert seconds < BOUND_S


@pytest.mark.real_models
def test_png_over_our_limit_but_under_pillows_is_refused(client):
    response, _ = post_file(client, FRAME, "frame", png_bomb(5_000, 5_000), "frame.png")
    assert_answer(response, 413, "5000x5000")


@pytest.mark.real_models
@pytest.mark.parametrize("width,height", [(60_000, 60_000), (8_000, 8_000), (5_000, 10)])
def test_jpeg_claiming_absurd_dimensions_is_refused(client, width, height):
    response, seconds = post_file(client, FRAME, "frame", jpeg_claiming(width, height), "frame.jpg")
    assert_answer(response, 413, "too large")
    assert seconds < BOUND_S


@pytest.mark.real_models
def test_image_type_is_read_from_content_not_name(client):
    jpeg = jpeg_bytes(interview_frame())
    response, _ = post_file(client, FRAME, "frame", jpeg, "renamed.png")
    assert len(assert_answer(response, 200)["faces"]) == 1
    response, _ = post_file(client, FRAME, "frame", b"just some text, honestly\n" * 20, "photo.jpg")
    assert_answer(response, 415, "JPEG or PNG")
    # A raw body whose Content-Type claims a JPEG is judged by its bytes too.
    response = client.post(FRAME, data=b"GIF89a" + bytes(200), content_type="image/jpeg")
    assert_answer(response, 415)


@pytest.mark.real_models
@pytest.mark.parametrize("cut", [4, 300, 5_000])
def test_truncated_jpeg_is_unprocessable(client, cut):
    response, _ = post_file(client, FRAME, "frame", jpeg_bytes(interview_frame())[:cut], "frame.jpg")
    assert_answer(response, 422, "JPEG")


# --- video uploads ------------------------------------------------------------------------------

VIDEO = "/api/v1/video"


@pytest.mark.real_models
@pytest.mark.parametrize("fmt,codec,keep", [("mp4", "libx264", 0.5), ("mp4", "libx264", 0.02),
                                            ("webm", "libvpx", 0.3), ("webm", "libvpx", 0.004)])
def test_truncated_video_is_unprocessable(client, fmt, codec, keep):
    clip = make_video([interview_frame(dx=i) for i in range(10)], fmt, codec, fps=5)
    response, seconds = post_file(client, VIDEO, "video", clip[: int(len(clip) * keep)], f"clip.{fmt}")
    assert_answer(response, 422)
    assert seconds < BOUND_S


@pytest.mark.real_models
def test_video_with_absurd_picture_size_is_refused_before_decoding(client):
    response, _ = post_file(client, VIDEO, "video", video_bytes(width=4112, height=16, frames=3), "wide.mp4")
    assert_answer(response, 413, "4112x16")


@pytest.mark.real_models
def test_video_with_absurd_frame_rate_is_refused(client):
    response, _ = post_file(client, VIDEO, "video", video_bytes(frames=10, rate=1000), "fast.mp4")
    assert_answer(response, 422, "frame rate")


@pytest.mark.real_models
def test_video_declaring_an_absurd_duration_is_refused_before_decoding(client):
    # Three frames of 100 s each: 300 s declared by the container, a 2 KB file.
    response, seconds = post_file(client, VIDEO, "video", video_bytes(frames=3, rate=Fraction(1, 100)), "slow.mp4")
    assert_answer(response, 413, "300 s")
    assert seconds < BOUND_S


@pytest.mark.real_models
def test_video_that_takes_too_long_to_analyse_is_stopped(app, client):
    app.config["VIDEO_MAX_PROCESS_S"] = 0  # any real decoding is over this budget
    clip = make_video([interview_frame(dx=i) for i in range(10)], fps=5)
    response, _ = post_file(client, VIDEO, "video", clip, "clip.mp4")
    assert_answer(response, 413, "to analyse")


@pytest.mark.real_models
def test_video_type_is_read_from_content_not_name(client):
    response, _ = post_file(client, VIDEO, "video", wav_bytes(16_000), "answer.mp4")
    assert_answer(response, 415)


# --- audio uploads ------------------------------------------------------------------------------

AUDIO = "/api/v1/audio"


def test_wav_header_claiming_hours_reads_only_what_is_there(client, needs_speech_model):
    # The data chunk claims 4 GB (74 hours at 8 kHz); the file holds 2 s of silence.
    wav = wav_bytes(8_000, seconds=2.0, declared_data_bytes=0xFFFFFFF0, silent=True)
    response, seconds = post_file(client, AUDIO, "audio", wav, "long.wav")
    assert_answer(response, 422, "No voice")
    assert seconds < BOUND_S


def test_flac_header_claiming_hours_is_refused_from_the_header(client):
    response, seconds = post_file(client, AUDIO, "audio", flac_claiming_samples(16_000 * 3600 * 10), "long.flac")
    assert_answer(response, 413, "36,000 s")
    assert seconds < BOUND_S


@pytest.mark.parametrize("rate", [1, 4_000, 10_000_000])
def test_absurd_sample_rates_are_refused(client, rate):
    response, seconds = post_file(client, AUDIO, "audio", wav_bytes(rate), "odd.wav")
    assert_answer(response, 422, "sample rate", f"{rate:,} Hz")
    assert seconds < BOUND_S


@pytest.mark.parametrize("channels,words", [(0, "no audio channels"), (300, "300 channels")])
def test_absurd_channel_counts_are_refused(client, channels, words):
    response, _ = post_file(client, AUDIO, "audio", wav_bytes(16_000, channels=channels, seconds=0.1), "odd.wav")
    assert_answer(response, 422, words)


def test_audio_type_is_read_from_content_not_name(client):
    response, _ = post_file(client, AUDIO, "audio", b"plain text, not a recording\n" * 30, "answer.wav")
    assert_answer(response, 415)
    response, _ = post_file(client, AUDIO, "audio", jpeg_bytes(interview_frame()), "answer.mp3")
    assert_answer(response, 415)


def test_truncated_wav_is_unprocessable(client):
    response, _ = post_file(client, AUDIO, "audio", wav_bytes(16_000)[:30], "cut.wav")
    assert_answer(response, 422)


# --- PDFs ---------------------------------------------------------------------------------------

TEXT = "/api/v1/text"


def test_encrypted_pdf_is_refused_with_a_clear_message(client):
    response, _ = post_file(client, TEXT, "file", encrypted_pdf("secret"), "essay.pdf")
    assert_answer(response, 422, "This PDF is encrypted")


@pytest.mark.real_models
def test_pdf_encrypted_with_an_empty_password_is_read(client):
    response, _ = post_file(client, TEXT, "file", encrypted_pdf(""), "essay.pdf")
    assert_answer(response, 200)


def test_pdf_with_thousands_of_pages_is_refused_in_bounded_time(client):
    response, seconds = post_file(client, TEXT, "file", blank_pages_pdf(5_000), "long.pdf")
    assert_answer(response, 413, "5,000 pages")
    assert seconds < BOUND_S


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_pdf_is_unprocessable(client, keep):
    pdf = text_pdf()
    response, seconds = post_file(client, TEXT, "file", pdf[: int(len(pdf) * keep)], "cut.pdf")
    assert_answer(response, 422)
    assert seconds < BOUND_S


def test_pdf_deflate_bomb_of_operators_is_stopped_at_the_time_limit(app, client):
    app.config["PDF_TIMEOUT_S"] = 3
    bomb = operator_bomb(40)  # 40 MB of text operators in ~100 KB; pypdf alone would take over a minute
    assert len(bomb) < 200_000
    response, seconds = post_file(client, TEXT, "file", bomb, "bomb.pdf")
    assert_answer(response, 413, "This PDF")
    assert seconds < BOUND_S


def test_pdf_deflate_bomb_of_nothing_is_bounded(client):
    bomb = pdf_with_content(b" " * (300 << 20))  # 300 MB of spaces in ~300 KB: over pypdf's 75 MB cap
    response, seconds = post_file(client, TEXT, "file", bomb, "bomb.pdf")
    assert_answer(response, 413, "too large or complex")
    assert seconds < BOUND_S


def test_deeply_nested_pdf_is_bounded(client):
    response, seconds = post_file(client, TEXT, "file", pdf_with_content(b"[" * 200_000 + b"]" * 200_000 + b" Tj"),
                                  "deep.pdf")
    assert_answer(response, 422)
    assert seconds < BOUND_S


def test_pdf_memory_limit_is_reported_as_too_large(app, client):
    app.config["PDF_MAX_MEMORY_MB"] = 100  # the child's interpreter and pypdf take about 45 MB of it
    response, seconds = post_file(client, TEXT, "file", operator_bomb(20), "bomb.pdf")
    assert_answer(response, 413, "MB of memory")
    assert seconds < BOUND_S


@pytest.mark.real_models
def test_document_type_is_read_from_content_not_name(client):
    response, _ = post_file(client, TEXT, "file", text_pdf(), "essay.txt")
    assert_answer(response, 200)
    response, _ = post_file(client, TEXT, "file", ESSAY.encode(), "essay.pdf")
    assert_answer(response, 200)
    response, _ = post_file(client, TEXT, "file", png_bomb(64, 64), "essay.txt")
    assert_answer(response, 415)


# --- every limit is configurable and reported as 413/415/422 ------------------------------------

def _frame():
    return FRAME, "frame", jpeg_bytes(interview_frame()), "f.jpg"


def _video():
    return VIDEO, "video", video_bytes(width=640, height=480, frames=5, rate=5), "v.mp4"


def _audio(channels=1):
    return AUDIO, "audio", wav_bytes(16_000, channels=channels, seconds=1.0), "a.wav"


def _pdf():
    return TEXT, "file", text_pdf(pages=2), "e.pdf"


@pytest.mark.parametrize("key,value,request_of,status,words", [
    ("FRAME_MAX_MB", 0, _frame, 413, "MB"),
    ("FRAME_MAX_SIDE", 320, _frame, 413, "640x480"),
    ("FRAME_MAX_PIXELS", 100_000, _frame, 413, "640x480"),
    ("VIDEO_MAX_SIDE", 320, _video, 413, "640x480"),
    ("VIDEO_MAX_PIXELS", 100_000, _video, 413, "640x480"),
    ("VIDEO_MAX_FPS", 2, _video, 422, "frame rate"),
    ("VIDEO_MAX_SECONDS", 0, _video, 413, "at most 0 s"),
    ("AUDIO_MIN_RATE", 22_050, _audio, 422, "16,000 Hz"),
    ("AUDIO_MAX_RATE", 11_025, _audio, 422, "16,000 Hz"),
    ("AUDIO_MAX_CHANNELS", 1, lambda: _audio(channels=2), 422, "2 channels"),
    ("AUDIO_MAX_SECONDS", 0, _audio, 413, "at most 0 s"),
    ("PDF_MAX_PAGES", 1, _pdf, 413, "2 pages"),
    ("PDF_TIMEOUT_S", 0, _pdf, 413, "too long"),
    ("TEXT_MAX_CHARS", 100, _pdf, 413, "too long"),
])
@pytest.mark.real_models
def test_every_limit_is_configurable(app, client, key, value, request_of, status, words):
    app.config[key] = value
    url, field, data, name = request_of()
    response, _ = post_file(client, url, field, data, name)
    assert_answer(response, status, words)


@pytest.mark.parametrize("key", ["PDF_TIMEOUT_S", "PDF_MAX_MEMORY_MB", "FRAME_MAX_MB", "FRAME_MAX_SIDE",
                                 "FRAME_MAX_PIXELS", "VIDEO_MAX_SIDE", "VIDEO_MAX_PIXELS", "VIDEO_MAX_FPS",
                                 "AUDIO_MIN_RATE", "AUDIO_MAX_RATE", "AUDIO_MAX_CHANNELS"])
def test_limits_come_from_esapr_environment_variables(monkeypatch, tmp_path, key):
    from web.platform.config import defaults

    monkeypatch.setenv(f"ESAPR_{key}", "7")
    assert defaults(tmp_path)[key] == 7
