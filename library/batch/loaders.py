"""The models a batch needs, through the channel registry's loaders (library/registry.py), the web app's too.

``LIMITS`` are the web app's default upload limits, so a file the app would refuse is refused here with the
same message.
"""

from __future__ import annotations

from library.registry import MODEL_LOADERS, ModelCache

MB = 1024 * 1024
LIMITS = {"video_max_bytes": 100 * MB, "video_max_seconds": 120.0, "video_sample_fps": 5.0,
          "audio_max_bytes": 10 * MB, "audio_max_seconds": 60.0, "text_min_words": 50, "pdf_max_pages": 300}


class Engines(ModelCache):
    """The models of one process (the local run, or one Ray actor): the registry's loaders, each model
    loaded the first time a file of its kind comes up and kept for every later file."""

    def __init__(self):
        super().__init__(MODEL_LOADERS)
