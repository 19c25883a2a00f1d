"""Read the text to analyse from a request: form field ``text``, JSON ``text``, or file ``file``."""

from __future__ import annotations

from flask import Request

from library.errors import BadInput, PayloadTooLarge
from library.text import read_text_upload
from library.text.pdf import PdfLimits


def pdf_limits(config) -> PdfLimits:
    return PdfLimits(max_pages=config["PDF_MAX_PAGES"], timeout_s=float(config["PDF_TIMEOUT_S"]),
                     max_memory_mb=config["PDF_MAX_MEMORY_MB"])


def text_from_request(request: Request, config) -> str:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = read_text_upload(upload.read(), upload.filename, pdf_limits=pdf_limits(config))
    else:
        text = request.form.get("text")
        if text is None and request.is_json:
            body = request.get_json(silent=True)
            text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise BadInput("Send the text in the form field 'text', or a .txt or .pdf file in the field 'file'.")
    limit = config["TEXT_MAX_CHARS"]
    if len(text) > limit:
        raise PayloadTooLarge(f"The text is too long ({len(text):,} characters; the limit is {limit:,}).")
    return text
