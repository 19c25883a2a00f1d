"""Neutral passages for measuring the "no emotion" rule: plain expository prose, offline.

No labelled neutral corpus is available here (no download at training time, and none of the
corpora in the data folder labels neutral text). The closest honest source on every machine
is the documentation that ships with Python: the first paragraph of the docstrings of the
standard library's public functions and classes ("Return a new sorted list from the items
in iterable."). It is text with no emotional content, but it is technical and impersonal,
unlike a person's answer; the card says so. It is used only to measure the rule, never to
train or to choose its threshold.
"""

from __future__ import annotations

import importlib
import inspect
import re

MODULES = ("builtins", "os", "os.path", "shutil", "pathlib", "json", "csv", "datetime", "calendar",
           "collections", "itertools", "functools", "string", "textwrap", "re", "math", "statistics",
           "random", "decimal", "fractions", "heapq", "bisect", "array", "queue", "threading", "socket",
           "http.client", "urllib.parse", "email.message", "zipfile", "tarfile", "gzip", "io", "struct",
           "time", "locale", "argparse", "logging", "unittest", "difflib", "html", "xml.dom.minidom",
           "sqlite3", "hashlib", "base64", "uuid", "ipaddress", "configparser", "tempfile", "glob", "fnmatch")


def neutral_passages(limit: int = 400, min_words: int = 8, max_words: int = 80) -> list[str]:
    """Distinct first paragraphs of public docstrings, in a fixed order, at most ``limit``."""
    seen, out = set(), []
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr in sorted(dir(module)):
            if attr.startswith("_"):
                continue
            doc = inspect.getdoc(getattr(module, attr, None)) or ""
            para = " ".join(doc.split("\n\n")[0].split())
            n = len(para.split())
            # signatures ("sorted(iterable, /, *, key=None)") and code are not prose
            if not (min_words <= n <= max_words) or re.search(r"[=(){}\[\]>]|\w\.\w+\(", para):
                continue
            if para not in seen:
                seen.add(para)
                out.append(para)
    # spread the sample over all modules, deterministically
    step = max(1, len(out) // limit)
    return out[::step][:limit]
