"""Read an uploaded file as text, deciding the type by content, not by name."""

from __future__ import annotations

from pathlib import Path

from library.errors import BadInput, UnsupportedMediaType
from library.text.pdf import PdfLimits, extract_pdf_text

# Control characters that never occur in real text files (NUL, and C0 controls other
# than tab, newline, form feed, carriage return); a file holding them is binary.
_BINARY_CONTROLS = set(range(0, 9)) | {11} | set(range(14, 32)) - {27}
# Signatures of common binary formats users upload by mistake.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"RIFF",
                 b"\xd0\xcf\x11\xe0", b"%!PS", b"\x7fELF", b"ID3", b"OggS", b"fLaC")


def _looks_binary(data: bytes) -> bool:
    if data.startswith(_BINARY_MAGIC):
        return True
    sample = data[:8192]
    controls = sum(1 for b in sample if b in _BINARY_CONTROLS)
    return b"\x00" in sample or controls > len(sample) * 0.01


def _decode(data: bytes) -> str:
    # UTF-8 (with or without BOM) first; then cp1252, which decodes the 8-bit files
    # Windows editors write (and Latin-1 text except for rarely used 0x80-0x9F).
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails; only reached for odd 0x80-0x9F bytes


def read_text_upload(data: bytes, filename: str | None = None, max_pdf_pages: int = 300,
                     pdf_limits: PdfLimits | None = None) -> str:
    """Text of an uploaded file: a PDF (by its ``%PDF-`` header) or plain text.

    ``filename`` is accepted for messages/logging symmetry but never decides the type.
    ``pdf_limits``, when given, replaces ``max_pdf_pages``. Raises BadInput (empty),
    UnsupportedMediaType (binary, not PDF), or the errors of :func:`extract_pdf_text`.
    """
    if not data or not data.strip():
        raise BadInput("The uploaded file is empty.")
    # PDF writers may put a few bytes of junk before the header; readers allow 1 KiB.
    if b"%PDF-" in data[:1024]:
        return extract_pdf_text(data, limits=pdf_limits or PdfLimits(max_pages=max_pdf_pages))
    # UTF-16 (Windows Notepad "Unicode") is full of NUL bytes; recognise it by its BOM first.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _non_empty(data.decode("utf-16"))
        except UnicodeDecodeError:
            raise UnsupportedMediaType("This file is not readable text; please save it as UTF-8.") from None
    if _looks_binary(data):
        raise UnsupportedMediaType(_not_text_message(filename))
    return _non_empty(_decode(data))


def _not_text_message(filename: str | None) -> str:
    """Why a binary file is refused, in the words of what it claims to be: an .exe renamed .pdf was told to
    "upload a .txt or .pdf file", which it seemed to be."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".pdf":
        return ("This file is named .pdf but is not a PDF inside (it does not begin as a PDF does): it may be another "
                "kind of file renamed. Open it where it was made and save or export it as a PDF again, or paste its text.")
    if suffix == ".txt":
        return ("This file is named .txt but is not text or PDF inside: it looks like a picture, a program or another "
                "binary file renamed. Save your text as plain text (UTF-8) again, or paste it into the box.")
    return "This file is not text or PDF; please upload a .txt or .pdf file."


def _non_empty(text: str) -> str:
    if not text.strip():
        raise BadInput("The uploaded file is empty.")
    return text
