"""Read the text to analyse from a request: form field ``text``, JSON ``text``, or file ``file``."""

from __future__ import annotations

from flask import Request

from library.errors import BadInput, PayloadTooLarge
from library.text import read_text_upload
from library.text.pdf import PdfLimits


def pdf_limits(config) -> PdfLimits:
    return PdfLimits(max_pages=config["PDF_MAX_PAGES"], timeout_s=float(config["PDF_TIMEOUT_S"]),
                     max_memory_mb=config["PDF_MAX_MEMORY_MB"])


# Said to people on the page (the JavaScript form shows the API's message as it is), so in their words;
# programs find the field names in the API's description (web/openapi.py).
NO_TEXT = "There is no text to analyse: write it in the box, or choose a .txt or .pdf file."
BOTH = ("You wrote a text and chose a file: clear one of them (empty the box, or remove the file) so it is clear "
        "which to analyse.")


def text_from_request(request: Request, config) -> str:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        typed = request.form.get("text")
        if isinstance(typed, str) and typed.strip():
            raise BadInput(BOTH)  # the file used to win silently
        text = read_text_upload(upload.read(), upload.filename, pdf_limits=pdf_limits(config))
    else:
        text = request.form.get("text")
        if text is None and request.is_json:
            body = request.get_json(silent=True)
            text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise BadInput(NO_TEXT)
    limit = config["TEXT_MAX_CHARS"]
    if len(text) > limit:
        raise PayloadTooLarge(f"The text is too long ({len(text):,} characters; the limit is {limit:,}).")
    return text
