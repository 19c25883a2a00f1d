"""Policy as marks on the views: which rate-limit group a view counts in, and whether it is a heavy analysis.

    @bp.post("")
    @rate_limited("analysis")
    @heavy_analysis
    def analyse_audio_api(): ...

web/platform/rate_limit.py and web/platform/capacity.py read the marks of the view a request is routed to, so a new route states
its own policy where it is written, instead of in lists of endpoint names elsewhere. A view under ``/api/``
without a mark counts in the ``api`` group (unknown ``/api/`` paths too); other unmarked views are not limited.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

GROUPS = ("frames", "analysis", "api", "pages")


def rate_limited(group: str) -> Callable:
    """Count the view's requests in ``group`` (limits from the config: ESAPR_RATE_LIMIT_<GROUP>)."""
    if group not in GROUPS:
        raise ValueError(f"unknown rate-limit group {group!r}; the groups are {GROUPS}")

    def mark(view: Callable) -> Callable:
        view.esapr_rate_group = group
        return view

    return mark


def heavy_analysis(view: Callable) -> Callable:
    """The view decodes an upload or runs a model over a whole text, recording or video: it takes one of the
    worker's analysis slots (web/platform/capacity.py)."""
    view.esapr_heavy = True
    return view


def _view(req) -> Callable | None:
    return current_app.view_functions.get(req.endpoint) if req.endpoint else None


def rate_group(req) -> str | None:
    return getattr(_view(req), "esapr_rate_group", None)


def is_heavy(req) -> bool:
    return bool(getattr(_view(req), "esapr_heavy", False))
