"""The one place that names the channels and their models.

The web app (web/platform/models.py, the serving warm-up), the batch engines (library/batch), the interview's
fusion and reliability, and the pages read what a channel is called, which models it loads, and
which metadata file holds its measured figures from here, so that adding or renaming one is one edit.

    cache = ModelCache(MODEL_LOADERS)        # one per process: each model loads once, on first use
    cache.get("face_pipeline")               # -> library.video.pipeline.FacePipeline
    CHANNELS["audio"].noun                   # -> "voice"

Importing this module loads nothing: each loader imports its channel's package when called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from library.model_ids import ModelId, merged, model_ids, models_used
from library.threads import pin_loaded

Loader = Callable[["ModelCache"], Any]


@dataclass(frozen=True)
class Channel:
    name: str  # "video", "audio", "text": the stored analyses' channel and the interview's step
    noun: str  # what the channel reads, in a sentence: "the face"; capitalised, its name on charts ("Face")
    title: str  # the interview step's title
    report_title: str  # the channel's card in the interview report
    answer: str  # the interview answer it comes from, in a sentence: "video answer"
    models: tuple[str, ...]  # MODEL_LOADERS names this channel's analyses use
    metadata: str  # its emotion model's metadata file under Models/ (measured reliability for the fusion)
    listed: int  # its place where the site lists channels (menus, the privacy page, the OpenAPI enum): text first
    timeline: bool  # reads emotions over time (its result has an EmotionSummary): the face and the voice
    spoken: bool  # its answer's sound is transcribed and pooled with the written words
    colour: str  # its bars beside the combined reading (interview report)
    caveats: tuple[str, ...]  # said of its model when its metadata cannot be read: no figures, nothing invented
    result: Callable[[], type]  # the dataclass its analyses are stored as (imported when first used)


def _video_result() -> type:
    from library.video.result import VideoAnalysis

    return VideoAnalysis


def _audio_result() -> type:
    from library.audio.recording import AudioAnalysis

    return AudioAnalysis


def _text_result() -> type:
    from library.text.analysis import TextAnalysis

    return TextAnalysis


# In the interview's order: every list of channels below, in library/ and web/, is derived from this table.
CHANNELS: dict[str, Channel] = {c.name: c for c in (
    Channel("video", "face", "Your face", "Face (video answer)", "video answer",
            ("face_pipeline", "speech_emotion", "transcriber", "text_emotion"), "video/expression.json",
            listed=1, timeline=True, spoken=True, colour="#8fb3f0",
            caveats=("Learnt from posed web photos of faces; real webcam faces are read less well.",
                     "A face shows an expression, which is not always what a person feels."),
            result=_video_result),
    Channel("audio", "voice", "Your voice", "Voice (spoken answer)", "voice answer",
            ("speech_emotion", "transcriber", "text_emotion"), "audio/speech_emotion.json",
            listed=2, timeline=True, spoken=True, colour="#f0b37a",
            caveats=("Learnt from actors reading fixed sentences in a studio; everyday speech is read less well.",
                     "It hears how you speak, not what you say."),
            result=_audio_result),
    Channel("text", "words", "Your words", "Words (written answer)", "written answer",
            ("personality", "text_emotion"), "text/emotion.json",
            listed=0, timeline=False, spoken=False, colour="#9ccf95",
            caveats=("It has no surprise or neutral label: the words can never show either.",),
            result=_text_result),
)}
CHANNEL_NAMES: tuple[str, ...] = tuple(CHANNELS)  # the interview's steps, in its order
LISTED: tuple[str, ...] = tuple(sorted(CHANNELS, key=lambda name: CHANNELS[name].listed))  # the site's order
TIMELINE_CHANNELS: tuple[str, ...] = tuple(name for name, c in CHANNELS.items() if c.timeline)
SPOKEN_CHANNELS: tuple[str, ...] = tuple(name for name, c in CHANNELS.items() if c.spoken)


# -- the models ---------------------------------------------------------------------------------------

def _personality(_cache: ModelCache):
    from library.text import PersonalityModel

    return PersonalityModel.load()


def _expression(_cache: ModelCache):
    from library.video.model import FacialExpressionModel

    return FacialExpressionModel.load()


def _face_pipeline(cache: ModelCache):
    from library.video.pipeline import FacePipeline

    return FacePipeline(cache.get("expression"))


def _text_emotion(_cache: ModelCache):
    from library.text import TextEmotionModel

    return TextEmotionModel.load()


def _speech_emotion(_cache: ModelCache):
    from library.audio import SpeechEmotionModel

    return SpeechEmotionModel.load()


def _transcriber(cache: ModelCache):
    from library.audio import Transcriber

    return Transcriber.load(encoder=cache.get("speech_emotion").encoder)  # the voice model's Whisper weights


MODEL_LOADERS: dict[str, Loader] = {
    "personality": _personality, "expression": _expression, "face_pipeline": _face_pipeline,
    "speech_emotion": _speech_emotion, "text_emotion": _text_emotion, "transcriber": _transcriber,
}
# What a serving worker loads right after it starts, so the first person does not wait for a model
# (the transcriber shares the speech model's encoder; "expression" comes with the face pipeline).
WARM_UP: tuple[str, ...] = ("personality", "text_emotion", "face_pipeline", "speech_emotion")


class ModelCache:
    """Loads each model once per process, on first use; thread-safe.

    Loading on first use keeps start-up fast (the home page answers before any model is read),
    and one instance per process avoids reloading per request or per file. A loader gets the
    cache, so a pipeline can reuse a model already loaded. Tests pass small fake loaders.
    """

    def __init__(self, loaders: Mapping[str, Loader] | None = None):
        self._loaders = dict(MODEL_LOADERS if loaders is None else loaders)
        self._models: dict[str, Any] = {}
        self._lock = threading.RLock()  # re-entrant: a loader may ask for another model

    def get(self, name: str) -> Any:
        model = self._models.get(name)
        if model is not None:
            return model
        with self._lock:
            if name not in self._models:
                self._models[name] = self._loaders[name](self)
                pin_loaded()  # the libraries this model brought in, too (library/threads.py)
            return self._models[name]

    def loaded(self) -> list[str]:
        return list(self._models)

    def ids(self, names: tuple[str, ...] | list[str]) -> list[ModelId]:
        """Which files the models ``names`` read (library/model_ids.py), each once: what a stored result records."""
        return merged([model_ids(name, self.get(name)) for name in names])

    def ids_for(self, kind: str, analysis) -> list[ModelId]:
        """The ids of the models that made ``analysis``, a stored result of ``kind`` (video, audio, text)."""
        return self.ids(models_used(kind, analysis))
