"""Public API of the video channel: load the shipped expression model and score faces.

    from library.video import FacialExpressionModel, EMOTIONS
    model = FacialExpressionModel.load()          # Models/video/expression.onnx (+ _cam.npz, .json)
    proba = model.predict_proba(faces)            # (N, 7), rows sum to 1, EMOTIONS order, calibrated
    model.is_confident(proba[0])                  # False below the measured abstention threshold ("unclear")
    heat = model.grad_cam(faces[0])               # (48, 48) in [0, 1]

Runs on ONNX Runtime and numpy only, from the runtime files alone: no Keras or torch (the Keras
network and its exporter are training code, library/video/train/; the training lane checks that
this class scores and maps faces as the Keras model does: train/keras_model.py).

Two tiers in one class. The *wild* tier (``expression_wild.onnx``: EfficientNet-Lite0 fine-tuned on 112-px
colour faces from RAF-DB, ExpW and FER2013, library/video/train/wild_*.py) reads stills, uploaded videos and
the frames a summary keeps: ``predict_proba`` on (N, 112, 112, 3) RGB crops from ``crop``, averaged with the live
network on the same crop. The *live* tier (``expression.onnx``: the 48x48 gray CNN, ~10x cheaper) draws the
overlay of every live frame and gives Grad-CAM: ``predict_proba_live``. Without the wild file (an older
model folder) both read with the live tier, as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS
from library.errors import BadInput
from library.paths import MODELS_DIR
from library.video.align import EYE_DISTANCE, EYE_Y, WILD_EYE_DISTANCE, WILD_EYE_Y, WILD_SIZE, align_face, align_face_wild

FACE_SIZE = 48
DEFAULT_DIR = MODELS_DIR / "video"
META_FILE = "expression.json"
ONNX_FILE = "expression.onnx"  # exported from the training's .keras file (library/video/train/export_onnx.py)
CAM_FILE = "expression_cam.npz"  # its dense weights: Grad-CAM from the ONNX graph (export_onnx.py)
DEFAULT_PATH = DEFAULT_DIR / ONNX_FILE  # the shipped live-tier file
WILD_ONNX_FILE = "expression_wild.onnx"  # the wild tier (library/video/train/wild_export.py)
WILD_META_FILE = "expression_wild.json"  # its calibration and figures (library/video/train/wild_evaluate.py)
WILD_HPARAMS_FILE = "expression_wild_hparams.json"  # the hyperparameters it was trained with
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


def read_meta(folder: Path) -> dict:
    """The model's ``expression.json`` (calibration, training figures), or {} when absent."""
    path = Path(folder) / META_FILE
    return json.loads(path.read_text()) if path.is_file() else {}


class FacialExpressionModel:
    """Seven-class facial-expression classifier: the wild tier for stills and stored results, the live tier
    (48x48 gray) for live overlays and Grad-CAM (see the module docstring).

    Scores with ONNX exports in ONNX Runtime (the live one ~14x faster than Keras on one core, same outputs:
    docs/decisions.md). Grad-CAM comes from the live graph's last convolution and the dense weights in
    ``expression_cam.npz``.
    """

    classes_ = EMOTIONS

    def __init__(self, onnx_session, *, flip_tta: bool = DEFAULT_FLIP_TTA, meta: dict | None = None,
                 cam_weights: tuple[np.ndarray, np.ndarray] | None = None, batch_size: int = 256,
                 wild_session=None, wild_meta: dict | None = None):
        self._onnx = onnx_session
        self._wild = wild_session
        self.wild_meta = wild_meta or {}
        self.wild_temperature = float(self.wild_meta.get("temperature", 1.0))
        self.wild_flip_tta = bool(self.wild_meta.get("flip_tta", True))
        # The stored reading averages the wild network with the live tier on the same crop (two different
        # networks, inputs and training sets: see the card), then one temperature over the average.
        self.live_weight = float(self.wild_meta.get("live_weight", 0.0))
        self.ensemble_temperature = float(self.wild_meta.get("ensemble_temperature", 1.0))
        self.flip_tta = flip_tta
        self.meta = meta or {}
        # Temperature scaling and the abstention threshold, fitted on validation by
        # library/video/train/calibrate.py and kept in expression.json (1.0 / default when absent).
        self.temperature = float(self.meta.get("temperature", 1.0))
        self.abstain_below = float(self.meta.get("abstain_below", DEFAULT_ABSTAIN_BELOW))
        self.batch_size = batch_size
        self._outputs = (None, None)  # ONNX output names: (probabilities, last convolution or None)
        if onnx_session is not None:
            ranks = {len(o.shape): o.name for o in onnx_session.get_outputs()}
            self._outputs = (ranks[2], ranks.get(4))
        # (kernel (C, 7), bias (7,)) of the dense layer: Grad-CAM on the ONNX graph's last convolution
        self._cam_weights = cam_weights if self._outputs[1] is not None else None

    @classmethod
    def load(cls, path: str | Path | None = None, *, flip_tta: bool = DEFAULT_FLIP_TTA,
             threads: int = 1, wild: bool = True) -> "FacialExpressionModel":
        """Load the model in ``path`` (its folder, or any of its files; default Models/video/):
        ``expression.onnx``, with ``expression.json`` (calibration) and ``expression_cam.npz``
        (Grad-CAM) beside it when present.

        ``threads``: ONNX Runtime intra-op threads. One is the fastest per face here (a 48x48
        net is too small to split) and leaves the other cores to other requests.
        ``wild``: load the wild tier (``expression_wild.onnx``) when the folder has it.
        """
        folder = Path(path) if path is not None else DEFAULT_DIR
        if not folder.is_dir():
            folder = folder.parent
        onnx_path = folder / ONNX_FILE
        if not onnx_path.is_file():
            raise FileNotFoundError(f"no facial-expression model at {onnx_path} (train one: python -m "
                                    "library.video.train; export a .keras file: python -m library.video.train.export_onnx)")
        meta = read_meta(folder)
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        wild_session, wild_meta = None, {}
        if wild and (folder / WILD_ONNX_FILE).is_file():
            wild_session = ort.InferenceSession(str(folder / WILD_ONNX_FILE), opts, providers=["CPUExecutionProvider"])
            meta_path = folder / WILD_META_FILE
            wild_meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        cam_weights = None
        if (folder / CAM_FILE).is_file():
            with np.load(folder / CAM_FILE) as z:
                cam_weights = (z["kernel"].astype(np.float64), z["bias"].astype(np.float64))
        return cls(session, flip_tta=flip_tta, meta=meta, cam_weights=cam_weights, wild_session=wild_session,
                   wild_meta=wild_meta)

    @property
    def backend(self) -> str:
        return "onnxruntime"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        name = self._onnx.get_inputs()[0].name
        out = [self._onnx.run([self._outputs[0]], {name: x[i:i + self.batch_size, :, :, None]})[0]
               for i in range(0, len(x), self.batch_size)]
        return np.concatenate(out).astype(np.float64)

    @property
    def has_wild(self) -> bool:
        return self._wild is not None

    def crop(self, img: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """The crop ``predict_proba`` reads best: the wild tier's 112-px colour crop (RGB or gray picture), or the
        live tier's 48x48 gray one when there is no wild tier."""
        if self.has_wild:
            return align_face_wild(img, landmarks)
        gray = img if img.ndim == 2 else np.ascontiguousarray(img[..., :3].mean(axis=2).round().astype(np.uint8))
        return align_face(gray, landmarks)

    def predict_proba(self, faces) -> np.ndarray:
        """Probabilities (N, 7) in EMOTIONS order, calibrated.

        Wild-tier crops (N, 112, 112, 3) RGB from ``crop`` are read by the wild tier: the wild network and the
        live one on the same crop (``wild_to_fer``), averaged. 48x48 gray crops framed as ``align_face`` frames
        them (FER2013's framing: see ``prepare_faces``) are read by the live tier, as in v2: on them it measured
        better than the wild network re-framed (docs/decisions.md, Faces v3)."""
        x = np.asarray(faces)
        if x.ndim in (3, 4) and x.shape[-1] == 3:
            return self._predict_wild(x)
        return self.predict_proba_live(faces)

    def _predict_wild(self, faces) -> np.ndarray:
        x = np.asarray(faces)
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[1:] != (WILD_SIZE, WILD_SIZE, 3):
            raise BadInput(f"colour faces must be RGB crops shaped (N, {WILD_SIZE}, {WILD_SIZE}, 3) from "
                           f"FacialExpressionModel.crop; got {np.shape(faces)}")
        if not self.has_wild:
            raise BadInput("this model folder has no wild tier (expression_wild.onnx): pass 48x48 gray crops")
        if x.dtype.kind not in "uif" or (x.dtype.kind == "f" and not np.all(np.isfinite(x))):
            raise BadInput("faces must be finite numbers")
        x = np.clip(x.astype(np.float32), 0, 255)
        if len(x) == 0:
            return np.zeros((0, len(EMOTIONS)))
        name = self._wild.get_inputs()[0].name

        def logits(batch):
            return np.concatenate([self._wild.run(None, {name: batch[i:i + 64]})[0]
                                   for i in range(0, len(batch), 64)]).astype(np.float64)

        z = logits(x)
        if self.wild_flip_tta:
            z = 0.5 * (z + logits(np.ascontiguousarray(x[:, :, ::-1])))
        z = z / self.wild_temperature
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        if self.live_weight > 0:
            live = self.predict_proba_live(wild_to_fer(x))
            p = (1 - self.live_weight) * p + self.live_weight * live
            if self.ensemble_temperature != 1.0:
                p = np.exp(np.log(np.clip(p, 1e-12, None)) / self.ensemble_temperature)
                p /= p.sum(axis=1, keepdims=True)
        return p

    def predict_proba_live(self, faces) -> np.ndarray:
        """The live tier: probabilities (N, 7) for 48x48 gray crops (see ``prepare_faces``)."""
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
        below 40% (library/video/train/calibrate.py, wild_evaluate.py); below it the app should say "unclear"."""
        return float(np.max(probabilities)) >= self.confidence_threshold

    @property
    def confidence_threshold(self) -> float:
        """The threshold of the tier that reads stored results."""
        return float(self.wild_meta.get("abstain_below", self.abstain_below)) if self.has_wild else self.abstain_below

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
        return self._grad_cam(x, class_index)

    def _grad_cam(self, x: np.ndarray, class_index: int | None) -> np.ndarray:
        """Grad-CAM from the ONNX graph's last convolution: for global average pooling then one dense
        layer, the gradient of a class logit with respect to each channel is that channel's dense
        weight over the map's area, so the map is the dense-weighted sum of the channels (CAM)."""
        import cv2

        if self._cam_weights is None:
            raise RuntimeError(f"this export has no Grad-CAM weights ({CAM_FILE} and the graph's last "
                               "convolution); re-export it: python -m library.video.train.export_onnx MODEL.keras")
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


def wild_to_fer(crops: np.ndarray) -> np.ndarray:
    """The wild tier's 112-px crops -> 48x48 gray crops in ``align_face``'s framing (a similarity transform between the two eye placements):
    the live tier reads the same face as the wild network, with no second alignment."""
    import cv2

    s = EYE_DISTANCE / (WILD_EYE_DISTANCE * WILD_SIZE)
    m = np.array([[s, 0.0, FACE_SIZE / 2 - s * WILD_SIZE / 2],
                  [0.0, s, EYE_Y - s * WILD_EYE_Y * WILD_SIZE]], dtype=np.float64)
    out = np.empty((len(crops), FACE_SIZE, FACE_SIZE), dtype=np.uint8)
    for i, crop in enumerate(np.asarray(crops)):
        gray = cv2.cvtColor(np.clip(crop, 0, 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
        out[i] = cv2.warpAffine(gray, m, (FACE_SIZE, FACE_SIZE), flags=cv2.INTER_AREA,
                                borderMode=cv2.BORDER_REPLICATE)
    return out
