"""The expression model run by the training framework (Keras on torch), for the training lane.

    from library.video.train.keras_model import KerasExpressionModel
    reference = KerasExpressionModel.load("Models/video")   # expression.keras (+ expression.json)
    reference.predict_proba(faces); reference.grad_cam(face)

The app serves ``library.video.FacialExpressionModel`` on the ONNX export. This subclass keeps its
whole public behaviour (input checks, flip TTA, temperature, abstention) but scores with the
``.keras`` file and computes Grad-CAM by autograd, so tests can check that the export scores and
maps faces as the network it came from does (tests/test_video_model.py).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from library.video.model import DEFAULT_DIR, DEFAULT_FLIP_TTA, FACE_SIZE, FacialExpressionModel, read_meta
from library.video.train.network import KERAS_FILE, LAST_CONV, load_keras


class KerasExpressionModel(FacialExpressionModel):
    def __init__(self, keras_model, *, flip_tta: bool = DEFAULT_FLIP_TTA, meta: dict | None = None,
                 batch_size: int = 256):
        super().__init__(None, flip_tta=flip_tta, meta=meta, batch_size=batch_size)
        self.model = keras_model
        self._cam_model = None
        # torch's first import is not thread-safe (two threads importing it at once both fail with a
        # half-initialised module), and two threads may ask for the first Grad-CAM together.
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path | None = None, *, flip_tta: bool = DEFAULT_FLIP_TTA,
             threads: int = 1) -> "KerasExpressionModel":
        """Load ``expression.keras`` from ``path`` (the file or its folder; default Models/video/)."""
        path = Path(path) if path is not None else DEFAULT_DIR
        path = path / KERAS_FILE if path.is_dir() else path
        if not path.is_file():
            raise FileNotFoundError(f"no Keras expression model at {path} (train one: python -m library.video.train)")
        return cls(load_keras(path), flip_tta=flip_tta, meta=read_meta(path.parent))

    @property
    def backend(self) -> str:
        return "keras"

    def _forward(self, x: np.ndarray) -> np.ndarray:
        import torch

        out = []
        with torch.no_grad():
            for i in range(0, len(x), self.batch_size):
                p = self.model(x[i:i + self.batch_size, :, :, None], training=False)
                out.append(p.detach().float().cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def _grad_cam(self, x: np.ndarray, class_index: int | None) -> np.ndarray:
        """Grad-CAM by autograd: the class logit's gradient over the last convolution, averaged per channel."""
        with self._lock:
            import torch
            import torch.nn.functional as F

            from library.keras_backend import keras

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
