"""The models of one worker: the channel registry's loaders (library/registry.py), loaded once per process."""

from __future__ import annotations

from library.registry import MODEL_LOADERS, Loader, ModelCache

# The web app's name for the registry's cache (one per app, so one per worker).
ModelRegistry = ModelCache
__all__ = ["Loader", "ModelRegistry", "default_loaders", "shipped_val_accuracy"]


def default_loaders() -> dict[str, Loader]:
    return dict(MODEL_LOADERS)


def shipped_val_accuracy(channel: str, models_dir: str) -> float | None:
    """A shipped model's measured validation accuracy, read from its metadata file (the reading
    the interview's fusion weights use too); nothing is loaded for it."""
    from library.interview.reliability import channel_reliability

    return channel_reliability(channel, models_dir).score
