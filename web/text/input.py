"""Read the text to analyse from a request: form field ``text``, JSON ``text``, or file ``file``."""

from __future__ import annotations

from flask import Request

from library.errors import BadInput
from library.limits import Limits
from library.text.written import text_of_upload, within_limit

# Said to people on the page (the JavaScript form shows the API's message as it is), so in their words;
# programs find the field names in the API's description (web/openapi.py).
NO_TEXT = "There is no text to analyse: write it in the box, or choose a .txt or .pdf file."
BOTH = ("You wrote a text and chose a file: clear one of them (empty the box, or remove the file) so it is clear "
        "which to analyse.")


def text_from_request(request: Request, limits: Limits) -> str:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        typed = request.form.get("text")
        if isinstance(typed, str) and typed.strip():
            raise BadInput(BOTH)  # the file used to win silently
        return text_of_upload(upload.read(), upload.filename, limits)
    text = request.form.get("text")
    if text is None and request.is_json:
        body = request.get_json(silent=True)
        text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise BadInput(NO_TEXT)
    return within_limit(text, limits)
