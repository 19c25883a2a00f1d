"""Public model API of the audio channel: load the shipped speech-emotion model and score speech.

    from library.audio import SpeechEmotionModel
    model = SpeechEmotionModel.load()                 # Models/audio/speech_emotion.keras
    p = model.predict_proba(signal, sample_rate)      # (7,) for the whole clip, EMOTIONS order, sums to 1
    points = model.timeline(signal, sample_rate)      # [(t, (7,) array), ...] one per voiced second

``signal``: float mono samples (any rate, resampled to 16 kHz; a (samples, channels) array is
mixed down). Keras (and torch) are imported inside ``load`` so ``import library.audio`` stays cheap.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from library.audio import segments as S
from library.audio.features import SAMPLE_RATE, FeatureConfig, resample, to_mono
from library.emotions import EMOTIONS
from library.errors import BadInput
from library.paths import MODELS_DIR

DEFAULT_DIR = MODELS_DIR / "audio"
MODEL_FILE = "speech_emotion.keras"
META_FILE = "speech_emotion.json"


def prepare_signal(signal, sample_rate) -> np.ndarray:
    """Validate, mix to mono and resample to 16 kHz."""
    x = np.asarray(signal)
    if x.dtype == object or x.dtype.kind not in "iuf":
        raise BadInput(f"signal must be a numeric array, got dtype {x.dtype}")
    if x.dtype.kind in "iu":  # PCM integers -> [-1, 1]
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max)
    try:
        x = to_mono(x)
    except ValueError as exc:
        raise BadInput(str(exc)) from exc
    if not np.all(np.isfinite(x)):
        raise BadInput("signal contains NaN or infinite values")
    if not sample_rate or sample_rate <= 0:
        raise BadInput("sample_rate must be positive")
    if len(x) == 0:
        raise BadInput("signal is empty")
    return resample(x, sample_rate, SAMPLE_RATE)


class SpeechEmotionModel:
    """Seven-class speech-emotion classifier (log-mel windows -> LFLB CNN -> 2 LSTMs)."""

    classes_ = EMOTIONS

    def __init__(self, keras_model, features: FeatureConfig, meta: dict | None = None):
        self.model = keras_model
        self.features = features
        self.meta = meta or {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> "SpeechEmotionModel":
        """Load ``speech_emotion.keras`` (+ ``.json``) from ``path`` (file or folder; default Models/audio/)."""
        from library.keras_backend import keras
        from library.audio.model import custom_layers
        from library.video.model import batch_norm_class

        path = Path(path) if path is not None else DEFAULT_DIR
        if path.is_dir():
            path = path / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no speech-emotion model at {path} (train one: python -m library.audio.train)")
        batch_norm_class()  # register the custom layers before deserialising
        custom_layers()
        model = keras.saving.load_model(path, compile=False)
        meta = json.loads(path.with_name(META_FILE).read_text()) if path.with_name(META_FILE).is_file() else {}
        return cls(model, FeatureConfig.from_dict(meta.get("features", {})), meta)

    # -- raw forward pass

    def forward(self, inputs: np.ndarray) -> np.ndarray:
        """Probabilities (S, 7) for model inputs (S, W, M, F), all in one call.

        Called directly under ``torch.no_grad`` rather than through ``model.predict``, which
        costs ~20 ms of set-up per call.
        """
        if len(inputs) == 0:
            return np.zeros((0, len(EMOTIONS)))
        import torch

        with torch.no_grad():
            p = self.model(torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32)), training=False)
        p = p.detach().float().cpu().numpy().astype(np.float64)
        return p / p.sum(axis=1, keepdims=True)

    # -- on prepared 16-kHz signals (analyse_recording uses these to share the work)

    def prepare(self, signal16k: np.ndarray) -> S.Prepared:
        return S.prepare(signal16k, self.features)

    def clip_proba(self, prepared: S.Prepared) -> np.ndarray:
        x, w = S.clip_plan(prepared, self.features)
        return (self.forward(x) * w[:, None]).sum(axis=0)

    def second_probas(self, prepared: S.Prepared, step_s: float = 1.0) -> list[tuple[float, np.ndarray]]:
        times, x = S.second_plan(prepared, self.features, step_s)
        return list(zip(times, self.forward(x)))

    # -- public, scikit-learn-like

    def predict_proba(self, signal, sample_rate: int) -> np.ndarray:
        """(7,) probabilities for the whole clip, EMOTIONS order (leading/trailing silence ignored)."""
        return self.clip_proba(self.prepare(prepare_signal(signal, sample_rate)))

    def predict(self, signal, sample_rate: int) -> str:
        return EMOTIONS[int(np.argmax(self.predict_proba(signal, sample_rate)))]

    def timeline(self, signal, sample_rate: int, step_s: float = 1.0) -> list[tuple[float, np.ndarray]]:
        """``[(t, probabilities (7,)), ...]``: one point per ``step_s`` that holds >= 0.1 s of voice,
        ``t`` = the step's start in seconds; each point reads the 2.88-s segment centred on
        that step. Silent steps are left out; if none is voiced (a very short or silent clip)
        the result is one point at t=0 with the whole-clip probabilities.
        """
        p = self.prepare(prepare_signal(signal, sample_rate))
        points = self.second_probas(p, step_s)
        return points or [(0.0, self.clip_proba(p))]
