"""The PDF extraction itself, run as a script in a child process (see ``library/text/pdf.py``).

    python -I pdf_child.py  < request  > answer.json

The request is one JSON line of limits, ``{"max_pages", "max_chars", "max_memory"}``, then the
PDF's bytes up to the end of the input. The parent starts each child before it has a PDF
for it (a "spare"), so pypdf is imported while nobody waits; each child reads one PDF.

Self-contained on purpose (pypdf and the standard library only): the child starts a bare
interpreter and must not import the ``library`` package, whose ``text`` package pulls in
the models' code (about as long again as pypdf's own import). It sets its own address-space
limit from the request, so that no ``preexec_fn`` (unsafe in a threaded parent) is needed.

The answer is one JSON object on stdout: ``{"text": ...}`` or ``{"error": KIND, ...}`` with
KIND one of "encrypted", "pages" (with "pages": n), "damaged", "memory", "limit"; the parent turns
it into the library's errors and their messages.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys


def extract(data: bytes, max_pages: int, max_chars: int) -> dict:
    """The answer for one PDF (also called in-process by ``extract_pdf_text(..., isolate=False)``)."""
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # An empty user password still lets us read "encrypted" PDFs that only
            # restrict printing/copying; anything else needs a password we do not have.
            try:
                opened = reader.decrypt("")
            except Exception:  # e.g. AES without the optional `cryptography` package
                opened = 0
            if not opened:
                return {"error": "encrypted"}
        n_pages = len(reader.pages)
        if n_pages > max_pages:
            return {"error": "pages", "pages": n_pages}
        parts: list[str] = []
        total = 0
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            total += len(text)
            if total >= max_chars:
                break
    except MemoryError:
        return {"error": "memory"}
    except LimitReachedError:  # pypdf's own caps (tokens or decompressed bytes per stream, page tree size)
        return {"error": "limit"}
    except Exception:  # pypdf raises many types (PdfReadError, KeyError, RecursionError...) on broken input
        return {"error": "damaged"}
    return {"text": "\n".join(parts)[:max_chars]}


def main() -> int:
    import pypdf  # noqa: F401 - imported now, while the parent has no PDF for us yet

    stdin = sys.stdin.buffer
    try:
        limits = json.loads(stdin.readline())
    except ValueError:  # the parent went away without a request
        return 0
    if limits["max_memory"] > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limits["max_memory"], limits["max_memory"]))
    try:
        answer = extract(stdin.read(), limits["max_pages"], limits["max_chars"])
        out = json.dumps(answer)
    except MemoryError:
        out = '{"error": "memory"}'
    sys.stdout.write(out)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    main()
    # Skip the interpreter's clean-up (tens of ms with pypdf loaded): the parent waits for our exit.
    os._exit(0)
