"""The expression network in Keras (training only): build it, load a saved one.

Xception-family CNN for 48x48 grayscale faces (Keras 3 on torch, library/keras_backend.py).

Shape, following Xception's entry/middle/exit flows scaled down for 48x48 inputs:

  input (0..255) -> Rescaling -> stem: Conv3x3 x len(stem) (BN, ReLU)
  -> entry blocks: [ReLU SepConv BN ReLU SepConv BN MaxPool2x2] + Conv1x1/2 shortcut
  -> middle blocks (same width, identity shortcut): 3 x [ReLU SepConv BN]
  -> exit: SepConv BN ReLU ("last_conv", used by Grad-CAM) -> GAP -> Dropout -> Dense softmax

The config is a plain dataclass so the trainer, the exporter and the loader build the
same net from the same numbers (saved next to the weights). The app never runs this file: it
scores the ONNX export (library/video/train/export_onnx.py) with library/video/model.py.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

from library.emotions import EMOTIONS

LAST_CONV = "last_conv"
KERAS_FILE = "expression.keras"  # the training source of truth; the app runs the ONNX file exported from it


@dataclass(frozen=True)
class ModelConfig:
    # Defaults = the shipped size ("small_mid"), chosen from measured s/epoch (docs/decisions.md).
    stem: tuple[int, ...] = (16, 32)
    entry: tuple[int, ...] = (64, 128, 256)
    middle: int = 2  # residual blocks at the last entry width, on 6x6 maps
    exit_width: int = 512
    dropout: float = 0.3
    input_size: int = 48
    num_classes: int = len(EMOTIONS)
    name: str = "xception_fer_small_mid"
    # channels_first avoids the NHWC<->NCHW copies Keras-on-torch makes around every conv
    # (measured: they were ~25% of a training step with channels_last).
    data_format: str = "channels_first"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}  # tolerate keys of older configs
        for k in ("stem", "entry"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)


# Sizes compared in docs/decisions.md (seconds/epoch measured on this machine).
CANDIDATES: dict[str, ModelConfig] = {
    "tiny": ModelConfig(stem=(8, 8), entry=(16, 32), middle=0, exit_width=32, dropout=0.0, name="xception_fer_tiny"),
    "small": ModelConfig(stem=(16, 32), entry=(64, 128, 256), middle=0, exit_width=256, name="xception_fer_small"),
    # small's 48/24/12 px stages plus two middle blocks and a wider exit at 6x6 px, where
    # extra capacity costs little time.
    "small_mid": ModelConfig(stem=(16, 32), entry=(64, 128, 256), middle=2, exit_width=512, name="xception_fer_small_mid"),
    "medium": ModelConfig(stem=(32, 64), entry=(128, 256, 512), middle=0, exit_width=512, name="xception_fer_medium"),
    "large": ModelConfig(stem=(32, 64), entry=(128, 256, 512), middle=2, exit_width=728, name="xception_fer_large"),
}


def build_model(cfg: ModelConfig, *, dtype_policy: str | None = None):
    """Build (not compile) the network. ``dtype_policy`` e.g. "mixed_bfloat16"; the softmax
    head always runs in float32 so probabilities are not rounded to bf16."""
    from library.keras_backend import TorchBatchNorm, keras
    from keras import layers

    kw = {"dtype": dtype_policy} if dtype_policy else {}
    df = {"data_format": cfg.data_format}
    axis = 1 if cfg.data_format == "channels_first" else -1
    s = cfg.input_size

    def conv(x, f, k, stride=1, name=None):
        return layers.Conv2D(f, k, strides=stride, padding="same", use_bias=False, name=name, **df, **kw)(x)

    def sep(x, f, name=None):
        return layers.SeparableConv2D(f, 3, padding="same", use_bias=False, name=name, **df, **kw)(x)

    def bn(x, name=None):
        return TorchBatchNorm(axis=axis, name=name, **kw)(x)

    def relu(x, name=None):
        return layers.ReLU(name=name, **kw)(x)

    inputs = keras.Input((s, s, 1), name="face")  # callers always pass NHWC
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale", **kw)(inputs)
    if cfg.data_format == "channels_first":
        # On torch, permuting an NHWC tensor gives an NCHW *view* with channels_last
        # strides; oneDNN then keeps every later conv in its fast NHWC layout while Keras
        # does no transposes (measured: 2.7 -> see docs/decisions.md s/step).
        x = layers.Permute((3, 1, 2), name="to_nchw", **kw)(x)
    for i, f in enumerate(cfg.stem):
        x = relu(bn(conv(x, f, 3, name=f"stem_conv{i}")))

    for b, f in enumerate(cfg.entry):
        shortcut = bn(conv(x, f, 1, stride=2, name=f"entry{b}_shortcut"))
        y = x if b == 0 else relu(x)  # stem already ends in ReLU
        y = relu(bn(sep(y, f, name=f"entry{b}_sep0")))
        y = bn(sep(y, f, name=f"entry{b}_sep1"))
        # 2x2/2 'valid' pooling: maps are even-sized (48->24->12->6), and Keras-on-torch
        # implements 'same' pooling with a slow replication pad (measured in the profile).
        y = layers.MaxPooling2D(2, strides=2, padding="valid", **df, **kw)(y)
        x = layers.Add(name=f"entry{b}_add", **kw)([y, shortcut])

    width = cfg.entry[-1] if cfg.entry else cfg.stem[-1]
    for m in range(cfg.middle):
        y = x
        for j in range(3):
            y = bn(sep(relu(y), width, name=f"middle{m}_sep{j}"))
        x = layers.Add(name=f"middle{m}_add", **kw)([y, x])

    x = relu(bn(sep(x, cfg.exit_width, name="exit_sep")), name=LAST_CONV)
    x = layers.GlobalAveragePooling2D(name="gap", **df, **kw)(x)
    if cfg.dropout > 0:
        x = layers.Dropout(cfg.dropout, name="dropout", **kw)(x)
    outputs = layers.Dense(cfg.num_classes, activation="softmax", name="probs", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=cfg.name)


def load_keras(path: str | Path):
    """Load a saved expression network (``expression.keras`` or its folder), uncompiled."""
    from library.keras_backend import keras  # also registers TorchBatchNorm, which the file names

    path = Path(path)
    if path.is_dir():
        path = path / KERAS_FILE
    return keras.saving.load_model(path, compile=False)
