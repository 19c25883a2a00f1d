"""Import Keras on the PyTorch backend.

Keras reads ``KERAS_BACKEND`` once, at its first import, so every module of the
engine that needs Keras imports it through here. Why torch: measured in
docs/decisions.md (TensorFlow 2.21 segfaults on this CPU unless oneDNN is held to
AVX2 and is then ~3x slower than Keras on torch with bf16).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402

if keras.backend.backend() != "torch":  # pragma: no cover - a user overrode it
    raise RuntimeError(
        f"ESAPR needs the Keras 'torch' backend, but Keras was already loaded with "
        f"{keras.backend.backend()!r}; unset KERAS_BACKEND or set it to 'torch'."
    )

__all__ = ["keras"]
