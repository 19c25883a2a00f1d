"""Where things live: the project's model folder and the (configurable) data folder."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = PROJECT_ROOT / "Models"


def default_data_dir() -> Path:
    """Training data folder: ``ESAPR_DATA_DIR`` if set, else ``../shared/data`` beside the project."""
    env = os.environ.get("ESAPR_DATA_DIR")
    return Path(env) if env else (PROJECT_ROOT.parent / "shared" / "data")


def model_cache_dir() -> Path:
    """Where models assembled from installed packages are kept between runs (never downloaded):
    ``ESAPR_MODEL_CACHE`` if set, else ``$XDG_CACHE_HOME/esapr`` (``~/.cache/esapr``)."""
    env = os.environ.get("ESAPR_MODEL_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "esapr"
