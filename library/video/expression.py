"""Public API of the video channel: load the shipped expression model and score faces.

    from library.video import FacialExpressionModel, EMOTIONS
    model = FacialExpressionModel.load()          # Models/video/expression.keras
    proba = model.predict_proba(faces)            # (N, 7), rows sum to 1, EMOTIONS order, calibrated
    model.is_confident(proba[0])                  # False below the measured abstention threshold ("unclear")
    heat = model.grad_cam(faces[0])               # (48, 48) in [0, 1]

Keras (and torch) are imported inside ``load`` so ``import library.video`` stays cheap.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS
from library.errors import BadInput
from library.paths import MODELS_DIR

FACE_SIZE = 48
DEFAULT_DIR = MODELS_DIR / "video"
MODEL_FILE = "expression.keras"
META_FILE = "expression.json"
ONNX_FILE = "expression.onnx"  # derived from the .keras file (library/video/onnx_export.py)
CAM_FILE = "expression_cam.npz"  # its dense weights: Grad-CAM from the ONNX graph (onnx_export.py)
DEFAULT_PATH = DEFAULT_DIR / MODEL_FILE  # the shipped model file
# Horizontal-flip test-time augmentation: averaged over the face and its mirror image.
# On by default because it measured better on val (see Models/video/expression.md).
DEFAULT_FLIP_TTA = True
# Used only when a model's metadata holds no measured threshold (as the voice model's default).
DEFAULT_ABSTAIN_BELOW = 0.4


def prepare_faces(faces) -> np.ndarray:
    """Validate and convert face crops to float32 (N, 48, 48) with values in 0..255.

    Accepts (48,48), (N,48,48) or (N,48,48,1); uint8/integer arrays in 0..255, or floats
    either in 0..1 (scaled up, as images from most libraries) or in 0..255.
    """
    x = np.asarray(faces)
    if x.dtype == object or x.dtype.kind not in "uif":
        raise BadInput(f"faces must be a numeric array, got dtype {x.dtype}")
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[1:] != (FACE_SIZE, FACE_SIZE):
        raise BadInput(
            f"faces must be grayscale {FACE_SIZE}x{FACE_SIZE} crops shaped (48,48), (N,48,48) "
            f"or (N,48,48,1); got {np.shape(faces)}"
        )
    if x.dtype.kind == "f":
        if not np.all(np.isfinite(x)):
            raise BadInput("faces contain NaN or infinite values")
        x = x.astype(np.float32)
        if x.size and x.min() >= 0.0 and x.max() <= 1.0:
            x = x * 255.0  # a 0..1 float image
        return np.clip(x, 0.0, 255.0)
    if x.size and (x.min() < 0 or x.max() > 255):
        raise BadInput("integer faces must hold 8-bit gray levels (0..255)")
    return x.astype(np.float32)


class FacialExpressionModel:
    """Seven-class facial-expression classifier over 48x48 grayscale face crops.

    Scoring runs the ONNX export (``expression.onnx``) in ONNX Runtime when it sits beside the
    .keras file: ~14x faster than Keras on one core, same outputs. The Keras model is loaded
    only when needed (Grad-CAM, or when no .onnx exists).
    """

    classes_ = EMOTIONS

    def __init__(self, keras_model=None, *, onnx_session=None, keras_path: Path | None = None,
                 flip_tta: bool = DEFAULT_FLIP_TTA, meta: dict | None = None, batch_size: int = 256):
        if keras_model is None and onnx_session is None:
            raise ValueError("need a Keras model or an ONNX session")
        self._keras = keras_model
        self._keras_path = keras_path
        self._onnx = onnx_session
        self.flip_tta = flip_tta
        self.meta = meta or {}
        # Temperature scaling and the abstention threshold, fitted on validation by
        # library/video/train/calibrate.py and kept in expression.json (1.0 / default when absent).
        self.temperature = float(self.meta.get("temperature", 1.0))
        self.abstain_below = float(self.meta.get("abstain_below", DEFAULT_ABSTAIN_BELOW))
        self.batch_size = batch_size
        self._cam_model = None
        self._cam_weights = None  # (kernel (C, 7), bias (7,)) for Grad-CAM on the ONNX graph
        self._outputs = None  # ONNX output names: (probabilities, last convolution or None)
        if onnx_session is not None:
            ranks = {len(o.shape): o.name for o in onnx_session.get_outputs()}
            self._outputs = (ranks[2], ranks.get(4))
        # Request threads and a server's warm-up thread may all ask for the Keras model at once:
        # one loads it, the others wait (two concurrent Keras loads are not safe, and wasteful).
        self._load_lock = threading.RLock()  # re-entrant: building the Grad-CAM model loads the Keras one

    @classmethod
    def load(cls, path: str | Path | None = None, *, flip_tta: bool = DEFAULT_FLIP_TTA,
             use_onnx: bool = True, threads: int = 1) -> "FacialExpressionModel":
        """Load the model at ``path`` (the .keras file or its folder; default Models/video/).

        ``threads``: ONNX Runtime intra-op threads. One is the fastest per face here (a 48x48
        net is too small to split) and leaves the other cores to other requests.
        """
        path = Path(path) if path is not None else DEFAULT_DIR
        if path.is_dir():
            path = path / MODEL_FILE
        if not path.is_file():
            raise FileNotFoundError(f"no facial-expression model at {path} (train one: python -m library.video.train)")
        meta_path = path.with_name(META_FILE)
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        onnx_path = path.with_name(ONNX_FILE)
        if use_onnx and onnx_path.is_file():
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
            session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
            model = cls(onnx_session=session, keras_path=path, flip_tta=flip_tta, meta=meta)
            cam_path = path.with_name(CAM_FILE)
            if cam_path.is_file() and model._outputs[1] is not None:
                with np.load(cam_path) as z:
                    model._cam_weights = (z["kernel"].astype(np.float64), z["bias"].astype(np.float64))
            return model
        return cls(cls.load_keras(path), keras_path=path, flip_tta=flip_tta, meta=meta)

    @staticmethod
    def load_keras(path: Path):
        from library.keras_backend import keras
        from library.video.model import batch_norm_class

        batch_norm_class()  # registers the custom BN layer before deserialising
        return keras.saving.load_model(path, compile=False)

    @property
    def model(self):
        """The Keras model (loaded on first use when scoring runs on ONNX)."""
        if self._keras is None:
            with self._load_lock:
                if self._keras is None:
                    self._keras = self.load_keras(self._keras_path)
        return self._keras

    @property
    def grad_cam_without_keras(self) -> bool:
        """Whether Grad-CAM runs on the ONNX graph (no Keras model to load for it)."""
        return self._cam_weights is not None

    @property
    def backend(self) -> str:
        return "onnxruntime" if self._onnx is not None else "keras"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        if self._onnx is not None:
            name = self._onnx.get_inputs()[0].name
            out = [self._onnx.run([self._outputs[0]], {name: x[i:i + self.batch_size, :, :, None]})[0]
                   for i in range(0, len(x), self.batch_size)]
            return np.concatenate(out).astype(np.float64)
        import torch

        out = []
        with torch.no_grad():
            for i in range(0, len(x), self.batch_size):
                p = self.model(x[i:i + self.batch_size, :, :, None], training=False)
                out.append(p.detach().float().cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def predict_proba(self, faces) -> np.ndarray:
        """Probabilities (N, 7) in EMOTIONS order for face crops (see ``prepare_faces``)."""
        x = prepare_faces(faces)
        if len(x) == 0:
            return np.zeros((0, len(EMOTIONS)))
        if self.flip_tta:
            # One pass over the faces and their mirror images together (one call, not two).
            both = self._forward(np.concatenate([x, np.ascontiguousarray(x[:, :, ::-1])]))
            p = 0.5 * (both[: len(x)] + both[len(x):])
        else:
            p = self._forward(x)
        if self.temperature != 1.0:
            # The network ends in a softmax, so p^(1/T) renormalised is softmax(logits / T).
            p = np.exp(np.log(np.clip(p, 1e-12, None)) / self.temperature)
        return p / p.sum(axis=1, keepdims=True)

    def is_confident(self, probabilities) -> bool:
        """Whether the top probability reaches the threshold under which validation accuracy fell
        below 40% (library/video/train/calibrate.py); below it the app should say "unclear"."""
        return float(np.max(probabilities)) >= self.abstain_below

    def predict(self, faces) -> np.ndarray:
        """Most likely emotion name per face."""
        return np.asarray(EMOTIONS)[self.predict_proba(faces).argmax(axis=1)]

    def grad_cam(self, face, class_index: int | None = None) -> np.ndarray:
        """Grad-CAM heatmap (48, 48) in [0, 1] over one face for ``class_index``
        (default: the predicted class), from the last convolutional block."""
        x = prepare_faces(face)
        if len(x) != 1:
            raise BadInput("grad_cam takes exactly one face")
        if class_index is not None and not 0 <= int(class_index) < len(EMOTIONS):
            raise BadInput(f"class_index must be in 0..{len(EMOTIONS) - 1}")
        if self._cam_weights is not None:
            return self._cam_from_onnx(x, class_index)
        return self._grad_cam_keras(x, class_index)

    def _cam_from_onnx(self, x: np.ndarray, class_index: int | None) -> np.ndarray:
        """Grad-CAM from the ONNX graph's last convolution: for global average pooling then one dense
        layer, the gradient of a class logit with respect to each channel is that channel's dense
        weight over the map's area, so the map is the dense-weighted sum of the channels (CAM)."""
        import cv2

        kernel, bias = self._cam_weights
        name = self._onnx.get_inputs()[0].name
        conv = self._onnx.run([self._outputs[1]], {name: x[:, :, :, None]})[0][0].astype(np.float64)
        if conv.shape[0] != kernel.shape[0]:  # channels last
            conv = conv.transpose(2, 0, 1)
        logits = conv.mean(axis=(1, 2)) @ kernel + bias
        c = int(logits.argmax()) if class_index is None else int(class_index)
        cam = np.maximum(np.tensordot(kernel[:, c], conv, axes=1), 0.0)
        # bilinear with half-pixel centres, as torch's interpolate(align_corners=False)
        cam = cv2.resize(cam, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_LINEAR)
        top = cam.max()
        return cam / top if top > 0 else np.zeros_like(cam)

    def _grad_cam_keras(self, x: np.ndarray, class_index: int | None) -> np.ndarray:
        """Grad-CAM by autograd on the Keras model (training installs; no ONNX copy beside it)."""
        with self._load_lock:  # torch's first import is not thread-safe: two threads importing it at once
            import torch  # both fail with a half-initialised module, and so does every later import
            import torch.nn.functional as F

            from library.keras_backend import keras
            from library.video.model import LAST_CONV

        if self._cam_model is None:
            with self._load_lock:
                if self._cam_model is None:
                    dense = self.model.get_layer("probs")
                    self._cam_model = keras.Model(self.model.inputs,
                                                  [self.model.get_layer(LAST_CONV).output, dense.input])
        dense = self.model.get_layer("probs")
        channels_first = getattr(self.model.get_layer("gap"), "data_format", "channels_last") == "channels_first"
        with torch.enable_grad():
            conv, feat = self._cam_model(torch.from_numpy(x[:, :, :, None]), training=False)
            # Score = the class logit (pre-softmax), as in Grad-CAM; softmax saturates.
            logits = feat.float() @ dense.kernel.value.float() + dense.bias.value.float()
            c = int(logits.argmax()) if class_index is None else int(class_index)
            (grads,) = torch.autograd.grad(logits[0, c], conv)
        conv, grads = conv.detach().float(), grads.detach().float()
        if not channels_first:
            conv, grads = conv.permute(0, 3, 1, 2), grads.permute(0, 3, 1, 2)
        weights = grads.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * conv).sum(dim=1, keepdim=True))
        cam = F.interpolate(cam, size=(FACE_SIZE, FACE_SIZE), mode="bilinear", align_corners=False)[0, 0]
        cam = cam.numpy().astype(np.float64)
        top = cam.max()
        return cam / top if top > 0 else np.zeros_like(cam)
