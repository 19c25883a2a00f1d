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
