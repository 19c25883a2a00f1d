"""Per-app objects (history store, model registry), reached through ``current_app``."""

from __future__ import annotations

from flask import current_app

from library.history import HistoryStore
from web.models import ModelRegistry


def store() -> HistoryStore:
    return current_app.extensions["esapr_store"]


def models() -> ModelRegistry:
    return current_app.extensions["esapr_models"]
