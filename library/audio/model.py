"""Public model API of the audio channel: load the shipped speech-emotion model and score speech.

    from library.audio import SpeechEmotionModel
    model = SpeechEmotionModel.load()                 # Models/audio/speech_emotion_head.npz + the encoder
    p = model.predict_proba(signal, sample_rate)      # (7,) for the whole clip, EMOTIONS order, sums to 1
    points = model.timeline(signal, sample_rate)      # [(t, (7,) array), ...] one per voiced second
    model.is_confident(p)                             # False below the abstention threshold

``signal``: float mono samples (any rate, resampled to 16 kHz; a (samples, channels) array is
mixed down). The model is a frozen Whisper encoder (CTranslate2, library/audio/encoder.py; the one the head
was trained on, named in its metadata)
and a small calibrated head (numpy, library/audio/head.py): no torch at run time. A recording is
encoded stretch by stretch (~10 s each, library/audio/stretches.py), and that one pass serves the
whole-clip reading, every second of the timeline and the transcript.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from library.audio.encoder import WhisperEncoder, pool_states
from library.audio.features import prepare_signal
from library.audio.head import DenseHead
from library.audio.stretches import Prepared, prepared_from_blocks, read_ahead
from library.audio.windows import WINDOW_S, clip_proba, second_windows
from library.emotions import EMOTIONS
from library.paths import MODELS_DIR
from library.threads import pin_loaded

DEFAULT_DIR = MODELS_DIR / "audio"
MODEL_FILE = "speech_emotion_head.npz"
META_FILE = "speech_emotion.json"
DEFAULT_ABSTAIN_BELOW = 0.4  # used only when a model's metadata holds no measured threshold


class SpeechEmotionModel:
    """Seven-class speech emotion: frozen Whisper encoder states, pooled, through a calibrated head."""

    classes_ = EMOTIONS

    def __init__(self, encoder: WhisperEncoder, head: DenseHead, meta: dict | None = None):
        self.encoder = encoder
        self.head = head
        self.meta = meta or {}
        self.window_s = float(self.meta.get("window_s", WINDOW_S))
        self.abstain_below = float(self.meta.get("abstain_below", DEFAULT_ABSTAIN_BELOW))

    @classmethod
    def load(cls, path: str | Path | None = None, *, encoder: WhisperEncoder | None = None,
             threads: int = 1) -> "SpeechEmotionModel":
        """Load the head (``speech_emotion_head.npz`` + ``.json``) from ``path`` (file or folder; default
        Models/audio/) and the encoder from its package (or share an already loaded ``encoder``)."""
        path = Path(path) if path is not None else DEFAULT_DIR
        if path.is_dir():
            path = path / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no speech-emotion model at {path} (train one: python -m library.audio.train)")
        meta_path = path.with_name(META_FILE)
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        # the encoder the head was trained on (metadata of heads before Voice v3 name none: tiny.en)
        encoder = encoder or WhisperEncoder.load(name=meta.get("encoder_name", "tiny.en"), threads=threads)
        model = cls(encoder, DenseHead.load(path), meta)
        pin_loaded()  # numpy's BLAS and CTranslate2's OpenMP to one thread: the same reading in every process
        return model

    # -- on prepared 16-kHz signals (analyse_recording uses these to share the work)

    def prepare(self, signal16k: np.ndarray) -> Prepared:
        """The recording encoded stretch by stretch (library/audio/stretches.py: what the head reads well), with its
        voice activity."""
        x = np.asarray(signal16k, dtype=np.float32)
        return prepared_from_blocks(x, read_ahead(self, None, x, [], final=True))

    def _pool(self, prepared: Prepared, ranges: list[tuple[int, int]]) -> np.ndarray:
        s, m = prepared.encoded.states, prepared.frames_voiced
        return np.stack([pool_states(s[a:b], m[a:b]) for a, b in ranges])

    def clip_proba(self, prepared: Prepared) -> np.ndarray:
        return clip_proba(self.head.predict_proba, prepared.encoded.states, prepared.frames_voiced, self.window_s)

    def second_probas(self, prepared: Prepared, step_s: float = 1.0) -> list[tuple[float, np.ndarray]]:
        times, ranges = second_windows(prepared.frames_voiced, step_s, window_s=self.window_s)
        if not ranges:
            return []
        return list(zip(times, self.head.predict_proba(self._pool(prepared, ranges))))

    # -- public, scikit-learn-like

    def predict_proba(self, signal, sample_rate: int) -> np.ndarray:
        """(7,) probabilities for the whole clip, EMOTIONS order (leading/trailing silence ignored)."""
        return self.clip_proba(self.prepare(prepare_signal(signal, sample_rate)))

    def predict(self, signal, sample_rate: int) -> str:
        return EMOTIONS[int(np.argmax(self.predict_proba(signal, sample_rate)))]

    def is_confident(self, probabilities) -> bool:
        """Whether the top probability reaches the threshold under which validation accuracy fell below 40%."""
        return float(np.max(probabilities)) >= self.abstain_below

    def timeline(self, signal, sample_rate: int, step_s: float = 1.0) -> list[tuple[float, np.ndarray]]:
        """``[(t, probabilities (7,)), ...]``: one point per ``step_s`` that holds >= 0.1 s of voice,
        ``t`` = the step's start in seconds; each point pools the encoder states of the
        ``window_s`` window centred on that step. Silent steps are left out; if none is voiced
        (a very short or silent clip) the result is one point at t=0 with the whole-clip
        probabilities.
        """
        p = self.prepare(prepare_signal(signal, sample_rate))
        points = self.second_probas(p, step_s)
        return points or [(0.0, self.clip_proba(p))]
