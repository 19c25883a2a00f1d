"""Text out of an uploaded PDF, in memory, with every failure mapped to a user-safe error."""

from __future__ import annotations

import io

from library.errors import PayloadTooLarge, UnprocessableInput

# A document with fewer letters than this in total is treated as having no text layer.
_MIN_LETTERS = 20


def extract_pdf_text(data: bytes, max_pages: int = 300, max_chars: int = 2_000_000) -> str:
    """Concatenated text of all pages.

    Raises UnprocessableInput (encrypted, corrupt, no text layer) or PayloadTooLarge
    (more than ``max_pages`` pages); never a raw pypdf exception. Extraction stops
    once ``max_chars`` characters are collected (the text is cut there). pypdf logs
    warnings about small defects of real-world PDFs; the app's logging config decides
    whether to show them.
    """
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # An empty user password still lets us read "encrypted" PDFs that only
            # restrict printing/copying; anything else needs a password we do not have.
            try:
                opened = reader.decrypt("")
            except Exception:
                opened = 0
            if not opened:
                raise UnprocessableInput(
                    "This PDF is password-protected; please upload an unprotected copy or paste the text.")
        n_pages = len(reader.pages)
        if n_pages > max_pages:
            raise PayloadTooLarge(f"This PDF has {n_pages} pages; the limit is {max_pages}.")
        parts: list[str] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
            if total >= max_chars:
                break
    except (UnprocessableInput, PayloadTooLarge):
        raise
    except Exception as exc:  # pypdf raises many types (PdfReadError, KeyError, ...) on broken input
        raise UnprocessableInput("This PDF could not be read; it may be damaged.") from exc
    text = "\n".join(parts)[:max_chars]
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
        raise UnprocessableInput(
            "This PDF has no text layer (it looks scanned or image-only); "
            "please upload a PDF with selectable text, or paste the text.")
    return text
