"""JSON request bodies: one nested too deeply to parse is a bad request (400), never a crash (500)."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with a body that exhausts the parser's recursion limit turned into a ValueError.

    The standard library's scanner recurses once per ``[`` or ``{``, so ``[`` x 100,000 raises
    RecursionError, which Werkzeug's ``get_json`` does not catch (not even with ``silent=True``).
    As a ValueError it becomes what any malformed body is: None when the route asked for silence,
    else 400.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON body is nested too deeply to read.") from None
