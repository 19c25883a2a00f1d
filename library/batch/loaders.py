"""The models a batch needs, through the channel registry's loaders (library/registry.py), the web app's too.

The limits a file is read under are the web app's as well: library/limits.py (``default_limits``), so a file the
app would refuse is refused here with the same message.
"""

from __future__ import annotations

from library.limits import MB
from library.registry import MODEL_LOADERS, ModelCache

__all__ = ["MB", "Engines"]


class Engines(ModelCache):
    """The models of one process (the local run, or one Ray actor): the registry's loaders, each model
    loaded the first time a file of its kind comes up and kept for every later file."""

    def __init__(self):
        super().__init__(MODEL_LOADERS)
