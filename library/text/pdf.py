"""Text out of an uploaded PDF, in memory, with every failure mapped to a user-safe error.

Why a child process: pypdf is pure Python and runs wherever it is called, so a small hostile
PDF (a deflate-bombed content stream costs pypdf about 2 s per MB of operators; pypdf's own
cap lets a stream grow to 75 MB) could hold a web worker for minutes or grow it by gigabytes.
A thread cannot be stopped; a child process can be killed at a deadline, given an
address-space limit (RLIMIT_AS), and its death frees all it allocated. The child is a fresh
interpreter (``subprocess``, not ``fork``: the web process has torch's threads) running
``pdf_child.py``, started ahead of need; docs/decisions.md ("Hostile input") has what that
costs for a normal PDF.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from library.errors import PayloadTooLarge, UnprocessableInput

# A document with fewer letters than this in total is treated as having no text layer.
_MIN_LETTERS = 20
_CHILD = Path(__file__).with_name("pdf_child.py")
MB = 1024 * 1024
DAMAGED = "This PDF could not be read; it may be damaged."
ENCRYPTED = "This PDF is encrypted (password-protected); please upload an unprotected copy or paste the text."


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int = 300
    max_chars: int = 2_000_000  # extraction stops here (the text is cut)
    timeout_s: float = 20.0  # wall clock for the whole extraction, child start included
    max_memory_mb: int = 1024  # the child's address space, interpreter and pypdf included
    isolate: bool = True  # False: in this process, unbounded (only to measure what the child costs)


def extract_pdf_text(data: bytes, max_pages: int = 300, max_chars: int = 2_000_000,
                     limits: PdfLimits | None = None) -> str:
    """Concatenated text of all pages.

    Raises UnprocessableInput (encrypted, corrupt, no text layer) or PayloadTooLarge (more
    than ``max_pages`` pages, or past the time or memory bound); never a raw pypdf
    exception. ``limits``, when given, replaces ``max_pages`` and ``max_chars``.
    """
    limits = limits or PdfLimits(max_pages=max_pages, max_chars=max_chars)
    if limits.isolate:
        answer = _extract_in_child(bytes(data), limits)
    else:
        from library.text.pdf_child import extract

        answer = extract(bytes(data), limits.max_pages, limits.max_chars)
    text = _text_or_raise(answer, limits)
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
        raise UnprocessableInput(
            "This PDF has no text layer (it looks scanned or image-only); "
            "please upload a PDF with selectable text, or paste the text.")
    return text


class _Spares:
    """One child started ahead of need, so that a request does not wait for the interpreter
    and pypdf's import (~0.2 s); each child reads one PDF and exits, so nothing a hostile
    file did in it can reach the next one. A spare that is never used exits when this
    process does (its input closes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: subprocess.Popen | None = None

    @staticmethod
    def _start() -> subprocess.Popen:
        # -I: isolated mode, so neither the environment nor the working directory changes what runs.
        return subprocess.Popen([sys.executable, "-I", str(_CHILD)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def take(self) -> subprocess.Popen:
        with self._lock:
            child = self._spare if self._spare is not None and self._spare.poll() is None else self._start()
            self._spare = self._start()
            return child


_spares = _Spares()


def _extract_in_child(data: bytes, limits: PdfLimits) -> dict:
    child = _spares.take()
    request = json.dumps({"max_pages": limits.max_pages, "max_chars": limits.max_chars,
                          "max_memory": limits.max_memory_mb * MB}).encode() + b"\n"
    try:
        out, _ = child.communicate(request + data, timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise PayloadTooLarge(f"This PDF takes too long to read (over {limits.timeout_s:g} s); "
                              "please upload a simpler file or paste the text.") from None
    try:
        return json.loads(out)
    except ValueError:
        # No answer: the child died (out of memory inside native code, or a crash).
        return {"error": "memory" if child.returncode == -9 else "damaged"}


def _text_or_raise(answer: dict, limits: PdfLimits) -> str:
    error = answer.get("error")
    if error == "encrypted":
        raise UnprocessableInput(ENCRYPTED)
    if error == "pages":
        raise PayloadTooLarge(f"This PDF has {answer['pages']:,} pages; the limit is {limits.max_pages:,}.")
    if error == "memory":
        raise PayloadTooLarge(f"This PDF needs more than {limits.max_memory_mb:,} MB of memory to read; "
                              "please upload a simpler file or paste the text.")
    if error == "limit":
        raise PayloadTooLarge("This PDF is too large or complex to read (a part of it is over the reader's limits); "
                              "please upload a simpler file or paste the text.")
    if error is not None or not isinstance(answer.get("text"), str):
        raise UnprocessableInput(DAMAGED)
    return answer["text"]
