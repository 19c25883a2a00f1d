"""Configuration: defaults, then environment variables, then what the caller passes.

The secret key comes from ``ESAPR_SECRET_KEY`` or is generated once into the
instance folder (mode 0600) - never a constant in the code.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from library.paths import MODELS_DIR, default_data_dir

MB = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "DATA_DIR": str(default_data_dir()),
        "MODELS_DIR": str(MODELS_DIR),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'esapr.sqlite3'}",
        # Whole-request cap; each channel checks its own tighter limits too.
        "MAX_CONTENT_LENGTH": _env_int("ESAPR_MAX_UPLOAD_MB", 25) * MB,
        "TEXT_MAX_CHARS": _env_int("ESAPR_TEXT_MAX_CHARS", 200_000),
        "TEXT_MIN_WORDS": _env_int("ESAPR_TEXT_MIN_WORDS", 50),
        "PDF_MAX_PAGES": _env_int("ESAPR_PDF_MAX_PAGES", 300),
        "VIDEO_DURATION_S": _env_int("ESAPR_VIDEO_DURATION_S", 45),
        "VIDEO_FPS": _env_int("ESAPR_VIDEO_FPS", 5),  # frames the browser sends per second
        "VIDEO_SAMPLE_FPS": _env_int("ESAPR_VIDEO_SAMPLE_FPS", 5),  # frames analysed per second of a file
        "VIDEO_MAX_MB": _env_int("ESAPR_VIDEO_MAX_MB", 100),
        "VIDEO_MAX_SECONDS": _env_int("ESAPR_VIDEO_MAX_SECONDS", 120),
        "VIDEO_QUESTION": os.environ.get("ESAPR_VIDEO_QUESTION",
                                         "Tell us about a moment in the last week that stayed with you, and why."),
        "AUDIO_DURATION_S": _env_int("ESAPR_AUDIO_DURATION_S", 15),
        "AUDIO_MAX_MB": _env_int("ESAPR_AUDIO_MAX_MB", 10),
        "AUDIO_MAX_SECONDS": _env_int("ESAPR_AUDIO_MAX_SECONDS", 60),
        "AUDIO_QUESTION": os.environ.get("ESAPR_AUDIO_QUESTION",
                                         "How have you been feeling this week? Say it as you would to a friend."),
        "GRADCAM_EVERY": _env_int("ESAPR_GRADCAM_EVERY", 10),
        "LIVE_SESSION_EXPIRY_S": _env_int("ESAPR_LIVE_SESSION_EXPIRY_S", 3600),
        "LIVE_SESSION_MAX_FRAMES": _env_int("ESAPR_LIVE_SESSION_MAX_FRAMES", 1500),
        # A guided interview (web/interview_session.py): how long it can be left and continued,
        # and how many answers, skips and retakes it may record.
        "INTERVIEW_EXPIRY_S": _env_int("ESAPR_INTERVIEW_EXPIRY_S", 2 * 3600),
        "INTERVIEW_MAX_EVENTS": _env_int("ESAPR_INTERVIEW_MAX_EVENTS", 60),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def load_secret_key(instance_path: Path) -> str:
    from_env = os.environ.get("ESAPR_SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    try:
        return key_file.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        # O_EXCL: if two workers start at once, one writes and the other reads.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def build_config(instance_path: Path, overrides: dict[str, Any] | None) -> dict[str, Any]:
    config = defaults(instance_path)
    config.update(overrides or {})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = load_secret_key(instance_path)
    return config
