"""The models a batch needs, through the same loaders the web app uses (web/models.py).

The one place the batch names its models: when the channel registry (library/registry.py) lands,
``LOADERS`` becomes its loaders and nothing else here changes. ``LIMITS`` are the web app's default
upload limits, so a file the app would refuse is refused here with the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MB = 1024 * 1024
LIMITS = {"video_max_bytes": 100 * MB, "video_max_seconds": 120.0, "video_sample_fps": 5.0,
          "audio_max_bytes": 10 * MB, "audio_max_seconds": 60.0, "text_min_words": 50, "pdf_max_pages": 300}


def _face_pipeline(_engines: Engines):
    from library.video.expression import FacialExpressionModel
    from library.video.pipeline import FacePipeline

    return FacePipeline(FacialExpressionModel.load())


def _speech(_engines: Engines):
    from library.audio import SpeechEmotionModel

    return SpeechEmotionModel.load()


def _personality(_engines: Engines):
    from library.text import PersonalityModel

    return PersonalityModel.load()


def _text_emotion(_engines: Engines):
    from library.text import TextEmotionModel

    return TextEmotionModel.load()


def _transcriber(engines: Engines):
    from library.audio import Transcriber

    return Transcriber.load(encoder=engines.get("speech_emotion").encoder)  # one set of Whisper weights


LOADERS = {"face_pipeline": _face_pipeline, "speech_emotion": _speech, "personality": _personality,
           "text_emotion": _text_emotion, "transcriber": _transcriber}


@dataclass
class Engines:
    """The models of one process (the local run, or one Ray actor), each loaded the first time a file
    of its kind comes up and kept for every later file."""

    _loaded: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str):
        if name not in self._loaded:
            self._loaded[name] = LOADERS[name](self)
        return self._loaded[name]
