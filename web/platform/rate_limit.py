"""Per-client rate limits on the API, counted in the database (library/history/rate_limits.py).

Why not Flask-Limiter: its storage backends are memory, Redis, Memcached and MongoDB. Memory is
per worker (useless behind a load balancer) and the others would be a second server to run;
this app keeps all its state in the one SQL database it already has. What is left to write
here is small: which group a request belongs to, and the 429.

Groups (limits from the config, e.g. ``"60/minute"``):
- ``frames``: live frames, ``POST /api/v1/video/frame`` (a capture sends 5 a second), counted in batches
  (``RATE_LIMIT_FRAMES_BATCH``, library/history/rate_limits.py): one shared write per batch instead of per frame;
- ``analysis``: POSTs that run a model (text, audio, video, a live video's finish with its
  recording, every interview API POST) and the HTML forms that do the same work (``POST /text/``,
  and every interview form: starting one, skipping, the written answer) plus finishing an
  interview into its report;
- ``pages``: result pages and report downloads, each of which compares with everyone;
- ``api``: every other request under ``/api/``.
A client is ``request.remote_addr`` as ``client_keys`` counts it: an IPv4 address alone, an
IPv6 address by its /64 and its /48 (at 16 times the limit), anything unparsable as one shared client
(library/history/rate_limits.py says why); behind proxies set
``TRUSTED_PROXIES`` so that it is the real client's address (``web/platform/security.py`` applies ProxyFix).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import TooManyRequests

from library.history import Limit, RateLimits
from library.history.rate_limits import client_keys
from web.platform.policy import rate_group

GROUP_CONFIG = {"frames": "RATE_LIMIT_FRAMES", "analysis": "RATE_LIMIT_ANALYSIS", "api": "RATE_LIMIT_API",
                "pages": "RATE_LIMIT_PAGES"}
GROUP_WORDS = {"frames": "video frames", "analysis": "analyses", "api": "API requests", "pages": "result pages"}
def _as_flag(value) -> bool | None:
    """The config may hold a bool (tests), the raw env string, or None (unset)."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


def init_app(app: Flask) -> None:
    enabled = _as_flag(app.config.get("RATE_LIMITS_ENABLED"))
    # Off by default under TESTING so that other tests never meet a 429; tests of the limits turn them on.
    app.config["RATE_LIMITS_ENABLED"] = (not app.testing) if enabled is None else enabled
    # Parsed now so that a typo in the environment stops the start, not the first request.
    app.extensions["esapr_rate_limit_config"] = {group: Limit.parse(app.config[key])
                                                 for group, key in GROUP_CONFIG.items()}
    app.extensions["esapr_rate_limits"] = RateLimits(app.extensions["esapr_store"].engine)
    app.after_request(_add_retry_after)


def group_of(req) -> str | None:
    """The group a request is counted in (its view's mark, web/platform/policy.py), or None when it is not limited."""
    group = rate_group(req)
    if group is not None:
        return group
    if req.path.startswith("/api/"):
        return "api"  # unknown /api/ paths too: probing for routes costs the same as using them
    return None


def check() -> None:
    """Count this request; 429 when its client is over its group's limit (a before_request hook)."""
    app = current_app
    if not app.config["RATE_LIMITS_ENABLED"]:
        return
    group = group_of(request)
    if group is None:
        return
    limit = app.extensions["esapr_rate_limit_config"][group]
    for key, factor in client_keys(request.remote_addr):
        scaled = Limit(limit.hits * factor, limit.period_s)
        try:
            verdict = app.extensions["esapr_rate_limits"].hit(group, key, scaled,
                                                              batch=app.config["RATE_LIMIT_BATCH"].get(group, 1))
        except SQLAlchemyError as exc:
            # Fail open: a database that cannot count (read-only, full, restarting) must not also refuse
            # the reads that still work; requests that write meet the same fault and answer 503 there.
            app.logger.warning("rate limit not counted on %s %s: %s", request.method, request.path, exc)
            return
        if not verdict.allowed:
            break
    if not verdict.allowed:
        # The app's error handler renders the 429 (JSON under /api/); it drops the exception's own
        # headers, so Retry-After is added on the way out (_add_retry_after).
        g.rate_limit_retry_after = verdict.retry_after_s
        raise TooManyRequests(
            f"Too many {GROUP_WORDS[group]} from your {'address' if factor == 1 else 'network'}: the limit is "
            f"{scaled.hits} every "
            f"{_period_words(limit.period_s)}. Please wait {verdict.retry_after_s} s and try again.")


def _add_retry_after(response: Response) -> Response:
    retry_after = g.get("rate_limit_retry_after")
    if retry_after is not None and response.status_code == 429:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _period_words(seconds: int) -> str:
    return {1: "second", 60: "minute", 3600: "hour", 86400: "day"}.get(seconds, f"{seconds} seconds")
