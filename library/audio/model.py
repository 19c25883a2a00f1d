"""The speech-emotion network: local feature-learning blocks over rolling windows, then LSTMs.

Shape (the seed's design, Zhao et al. 2019 "2D CNN LSTM", scaled to 960 training clips):

  input (windows, n_mels, window_frames)   # a 2.88-s segment as 5 rolling 0.64-s windows, 0.56 s apart
  -> fold windows into the batch           # = TimeDistributed, but one big batch for the convs
  -> 4 x LFLB: Conv3x3 -> BatchNorm -> ELU -> MaxPool 2x2     (64x64 -> 4x4 maps)
  -> flatten -> dropout -> unfold to (windows, features)
  -> LSTM (return sequences) -> LSTM -> dropout -> Dense softmax (7, EMOTIONS order)

Why fold instead of Keras' TimeDistributed: on the torch backend TimeDistributed runs the
wrapped layers once per time step in a Python loop (and BatchNorm sees 5 small batches);
a reshape runs them once on windows*batch inputs.

The config is a plain dataclass saved next to the weights, so trainer and loader build
the same net.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from library.emotions import EMOTIONS


@dataclass(frozen=True)
class AudioModelConfig:
    filters: tuple[int, ...] = (8, 16, 32, 64)  # one LFLB per entry
    lstm_units: tuple[int, ...] = (64, 64)
    dropout: float = 0.2
    windows: int = 5
    n_mels: int = 64
    window_frames: int = 64
    num_classes: int = len(EMOTIONS)
    name: str = "lflb_lstm"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "AudioModelConfig":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        for k in ("filters", "lstm_units"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(**d)


_LAYERS = None


def custom_layers() -> dict:
    """The two reshape layers, registered once with Keras' serialisation registry."""
    global _LAYERS  # built once: the registry must see one class per name
    if _LAYERS is not None:
        return _LAYERS
    from library.keras_backend import keras

    @keras.saving.register_keras_serializable(package="esapr_audio")
    class FoldWindows(keras.layers.Layer):
        """(B, W, ...) -> (B*W, ...)."""

        def call(self, x):
            return keras.ops.reshape(x, (-1, *x.shape[2:]))

        def compute_output_shape(self, s):
            return (None if s[0] is None else s[0] * s[1], *s[2:])

    @keras.saving.register_keras_serializable(package="esapr_audio")
    class UnfoldWindows(keras.layers.Layer):
        """(B*W, ...) -> (B, W, ...)."""

        def __init__(self, windows: int, **kw):
            super().__init__(**kw)
            self.windows = windows

        def call(self, x):
            return keras.ops.reshape(x, (-1, self.windows, *x.shape[1:]))

        def compute_output_shape(self, s):
            return (None if s[0] is None else s[0] // self.windows, self.windows, *s[1:])

        def get_config(self):
            return {**super().get_config(), "windows": self.windows}

    _LAYERS = {"FoldWindows": FoldWindows, "UnfoldWindows": UnfoldWindows}
    return _LAYERS


def build_model(cfg: AudioModelConfig, *, dtype_policy: str | None = None):
    """Build (not compile) the net. ``dtype_policy`` e.g. "mixed_bfloat16"; the softmax stays float32."""
    from library.keras_backend import keras
    from keras import layers

    from library.video.model import batch_norm_class  # torch's fused BN kernel (docs/decisions.md)

    kw = {"dtype": dtype_policy} if dtype_policy else {}
    cl = custom_layers()
    df = {"data_format": "channels_first"}

    inputs = keras.Input((cfg.windows, cfg.n_mels, cfg.window_frames), name="windows")
    x = cl["FoldWindows"](name="fold", **kw)(inputs)
    # (N, mels, frames) -> (N, 1, mels, frames): channels_first, as the video net (no NHWC copies)
    x = layers.Reshape((1, cfg.n_mels, cfg.window_frames), name="add_channel", **kw)(x)
    for i, f in enumerate(cfg.filters):
        x = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"lflb{i}_conv", **df, **kw)(x)
        x = batch_norm_class()(axis=1, name=f"lflb{i}_bn", **kw)(x)
        x = layers.ELU(name=f"lflb{i}_elu", **kw)(x)
        x = layers.MaxPooling2D(2, strides=2, padding="valid", name=f"lflb{i}_pool", **df, **kw)(x)
    x = layers.Flatten(name="flatten", **kw)(x)
    if cfg.dropout > 0:
        x = layers.Dropout(cfg.dropout, name="window_dropout", **kw)(x)
    x = cl["UnfoldWindows"](cfg.windows, name="unfold", **kw)(x)
    for j, units in enumerate(cfg.lstm_units):
        last = j == len(cfg.lstm_units) - 1
        x = layers.LSTM(units, return_sequences=not last, name=f"lstm{j}", **kw)(x)
    if cfg.dropout > 0:
        x = layers.Dropout(cfg.dropout, name="dropout", **kw)(x)
    outputs = layers.Dense(cfg.num_classes, activation="softmax", name="probs", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=cfg.name)


def build_ensemble(cfg: AudioModelConfig, members: int):
    """``members`` copies of the net on one input, their probabilities averaged (float32, for inference)."""
    from library.keras_backend import keras
    from keras import layers

    inputs = keras.Input((cfg.windows, cfg.n_mels, cfg.window_frames), name="windows")
    outs = []
    for k in range(members):
        net = build_model(cfg)
        net.name = f"member{k}"
        outs.append(net(inputs))
    return keras.Model(inputs, layers.Average(name="average", dtype="float32")(outs), name=f"{cfg.name}_x{members}")
