"""Configuration: defaults, then environment variables, then what the caller passes.

The secret key comes from ``ESAPR_SECRET_KEY`` or is generated once and kept in the
database, so every worker on every machine signs cookies alike - never a constant in the code.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from library.limits import config_defaults, env_int
from library.paths import MODELS_DIR, default_data_dir

MB = 1024 * 1024
_env_int = env_int  # the app's other integer settings read the environment as the limits do; public for serve.py


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip().lower() for item in raw.split(",") if item.strip()]


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "DATA_DIR": str(default_data_dir()),
        "MODELS_DIR": str(MODELS_DIR),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'esapr.sqlite3'}",
        # Whole-request cap; each channel checks its own tighter limits too.
        "MAX_CONTENT_LENGTH": _env_int("ESAPR_MAX_UPLOAD_MB", 25) * MB,
        # What an upload of each channel may be and cost: one table, read by the batch too (library/limits.py).
        **config_defaults(),
        # A live frame's size, read from its header before it is decoded (decompression bombs).
        "FRAME_MAX_MB": _env_int("ESAPR_FRAME_MAX_MB", 8),
        "FRAME_MAX_SIDE": _env_int("ESAPR_FRAME_MAX_SIDE", 4096),
        "FRAME_MAX_PIXELS": _env_int("ESAPR_FRAME_MAX_PIXELS", 4096 * 2304),
        # Heavy analyses (uploads, texts, PDFs) one worker runs at once (web/platform/capacity.py); with the
        # per-analysis limits this bounds a worker's memory (README, Limits).
        "HEAVY_ANALYSES_PER_WORKER": _env_int("ESAPR_HEAVY_PER_WORKER", 2),
        # Requests over that cap wait for a slot, this many at most and this long at most, before a 503.
        "HEAVY_WAITING_PER_WORKER": _env_int("ESAPR_HEAVY_WAITING", 32),
        "HEAVY_WAIT_S": _env_int("ESAPR_HEAVY_WAIT_S", 60),
        "VIDEO_DURATION_S": _env_int("ESAPR_VIDEO_DURATION_S", 45),
        "VIDEO_FPS": _env_int("ESAPR_VIDEO_FPS", 5),  # frames the browser sends per second
        "VIDEO_QUESTION": os.environ.get("ESAPR_VIDEO_QUESTION",
                                         "Tell us about a moment in the last week that stayed with you, and why."),
        "AUDIO_DURATION_S": _env_int("ESAPR_AUDIO_DURATION_S", 15),
        "AUDIO_QUESTION": os.environ.get("ESAPR_AUDIO_QUESTION",
                                         "How have you been feeling this week? Say it as you would to a friend."),
        "LIVE_SESSION_EXPIRY_S": _env_int("ESAPR_LIVE_SESSION_EXPIRY_S", 3600),
        "LIVE_SESSION_MAX_FRAMES": _env_int("ESAPR_LIVE_SESSION_MAX_FRAMES", 1500),
        # A guided interview (web/interview/session.py): how long it can be left and continued,
        # and how many answers, skips and retakes it may record.
        "INTERVIEW_EXPIRY_S": _env_int("ESAPR_INTERVIEW_EXPIRY_S", 2 * 3600),
        "INTERVIEW_MAX_EVENTS": _env_int("ESAPR_INTERVIEW_MAX_EVENTS", 60),
        # Privacy (#6): stored figures older than this are purged (0 keeps them until the person
        # deletes them); each worker checks at most every RETENTION_PURGE_EVERY_S seconds.
        "RETENTION_DAYS": _env_int("ESAPR_RETENTION_DAYS", 365),
        "RETENTION_PURGE_EVERY_S": _env_int("ESAPR_RETENTION_PURGE_EVERY_S", 3600),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Web hardening (#6, web/platform/security.py). Secure cookies only behind HTTPS, or the browser drops them.
        "SESSION_COOKIE_SECURE": os.environ.get("ESAPR_COOKIE_SECURE", "").strip().lower() in ("1", "true", "yes", "on"),
        # Proxy hops in front of the app (0: none) whose X-Forwarded-For/-Proto/-Host are trusted.
        "TRUSTED_PROXIES": _env_int("ESAPR_TRUSTED_PROXIES", 0),
        # Per-client limits kept in the database (web/platform/rate_limit.py). Unset: on, except when TESTING;
        # ESAPR_RATE_LIMITS=0 turns them off.
        "RATE_LIMITS_ENABLED": os.environ.get("ESAPR_RATE_LIMITS"),
        "RATE_LIMIT_ANALYSIS": os.environ.get("ESAPR_RATE_LIMIT_ANALYSIS", "60/minute"),  # POSTs that analyse
        "RATE_LIMIT_FRAMES": os.environ.get("ESAPR_RATE_LIMIT_FRAMES", "600/minute"),  # live frames: 5 a second
        # Frames are counted in batches of this many per worker (one write per batch, not per frame); a client may pass
        # the frame limit by at most (batch - 1) x workers. 1: every frame counted in the database.
        "RATE_LIMIT_BATCH": {"frames": int(os.environ.get("ESAPR_RATE_LIMIT_FRAMES_BATCH", "8"))},
        "RATE_LIMIT_API": os.environ.get("ESAPR_RATE_LIMIT_API", "300/minute"),  # every other /api/ request
        # Result pages and report downloads: each compares with everyone, so a flood of them is work.
        "RATE_LIMIT_PAGES": os.environ.get("ESAPR_RATE_LIMIT_PAGES", "120/minute"),
        # Privacy (#15): public aggregates show everyone's top words only once this many distinct
        # people (private tokens) contributed, so that no word list can be one person's.
        "PUBLIC_WORDS_MIN_USERS": _env_int("ESAPR_PUBLIC_WORDS_MIN_USERS", 20),
        # Everyone's means, spreads, quantiles and shares (public aggregates and the dashboards' "earlier users"):
        # shown only over this many distinct people, with noise at this epsilon (library/history/disclosure.py).
        "PUBLIC_FIGURES_MIN_PEOPLE": _env_int("ESAPR_PUBLIC_FIGURES_MIN_PEOPLE", 20),
        "PUBLIC_FIGURES_EPSILON": float(os.environ.get("ESAPR_PUBLIC_FIGURES_EPSILON", "1.0")),
        # Host names this app answers to (web/platform/hosts.py); any other Host header gets 400 (DNS
        # rebinding). Comma-separated; ".example.org" allows its subdomains; "*" allows any host.
        # Not Flask's TRUSTED_HOSTS: Werkzeug 3.1 cannot match an IPv6 literal such as [::1] there.
        "ALLOWED_HOSTS": _env_list("ESAPR_TRUSTED_HOSTS", ["localhost", "127.0.0.1", "[::1]"]),
    }


def build_config(instance_path: Path, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults, then the caller's overrides; the secret key is settled by create_app once the
    database is open (``ESAPR_SECRET_KEY`` wins when set)."""
    config = defaults(instance_path)
    if os.environ.get("ESAPR_SECRET_KEY"):
        config["SECRET_KEY"] = os.environ["ESAPR_SECRET_KEY"]
    config.update(overrides or {})
    days = config["RETENTION_DAYS"]
    # The cookie that holds a person's private token lives as long as their results do.
    config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(days=days if days > 0 else 3650))
    return config
