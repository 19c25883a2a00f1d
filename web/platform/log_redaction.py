"""Keep private tokens and capture ids out of the logs (#15).

The private link carries its token in the path (/my/<token>/...), and interview and capture
session ids ride in paths too; gunicorn's access log and Werkzeug's development server write
request lines as they came. A logging filter rewrites every string a record carries (the
message and its arguments: gunicorn passes the request line, path, query and referrer as
"atoms") before any handler sees it, so the redaction holds whatever the log format says.

What goes: any 32-hex id (results, interviews, captures - all random ``uuid4().hex``), any
/my/<...> path segment, and anything shaped like a private token after ``token=`` or in the
X-ESAPR-Token header if a format logs headers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask

# Loggers that write request lines or paths: gunicorn's access and error logs, the dev server's.
LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")
_PATTERNS = [
    (re.compile(r"(/my/)[^/\s?\"#]+"), r"\1[token]"),
    (re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])"), "[id]"),
    (re.compile(r"((?:token|x-esapr-token)[=:]\s*)[A-Za-z0-9_-]{32}", re.IGNORECASE), r"\1[token]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("latin-1"))
    return value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_clean(a) for a in args)
        elif isinstance(args, dict):
            # gunicorn's atoms (a dict subclass that answers "-" for names it lacks): cleaned in place.
            for key, value in list(args.items()):
                args[key] = _clean(value)
        return True


def install(app: Flask) -> None:
    """Add the filter to the request-line loggers and the app's own (once per logger)."""
    for name in (*LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
