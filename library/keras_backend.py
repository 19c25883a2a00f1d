"""Keras on the PyTorch backend, and the network pieces our Keras trainers share.

Keras reads ``KERAS_BACKEND`` once, at its first import, so every training module that needs
Keras imports it through here. Why torch: measured in docs/decisions.md (TensorFlow 2.21
segfaults on this CPU unless oneDNN is held to AVX2 and is then ~3x slower than Keras on torch
with bf16).

Why the shared layers live here and not in ``library/training.py``: they *are* Keras-on-torch
(``TorchBatchNorm`` calls torch's kernel), while ``training.py`` holds the framework-free
helpers (logging, checkpoints' file protocol, metrics) that the torch-free voice trainer uses
too. Importing this module registers the layers with Keras' serialisation, so a saved
``.keras`` file that names them (``esapr>TorchBatchNorm``) loads from any module that imported
Keras this way. Serving never imports this module: every shipped model runs without Keras.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402

if keras.backend.backend() != "torch":  # pragma: no cover - a user overrode it
    raise RuntimeError(
        f"ESAPR needs the Keras 'torch' backend, but Keras was already loaded with "
        f"{keras.backend.backend()!r}; unset KERAS_BACKEND or set it to 'torch'."
    )


# The registered name ("esapr>TorchBatchNorm") is what saved files hold; Keras looks it up before the
# module path, so the class may move between modules without breaking shipped models.
@keras.saving.register_keras_serializable(package="esapr")
class TorchBatchNorm(keras.layers.BatchNormalization):
    """A BatchNormalization whose training/inference math is torch's fused kernel.

    Why: Keras-on-torch implements BN with ~10 separate elementwise ops (moments, sub, mul,
    rsqrt, ...) that, with their autograd, took ~40% of a training step in the profile
    (docs/decisions.md). Same variables and config as the Keras layer, so weights and saved
    files are interchangeable; on other layouts it falls back to Keras' own.
    """

    def call(self, inputs, training=None, mask=None):
        if self.axis != 1 or not (self.center and self.scale):
            return super().call(inputs, training=training, mask=mask)
        import torch.nn.functional as F

        return F.batch_norm(
            inputs, self.moving_mean.value, self.moving_variance.value,
            self.gamma.value, self.beta.value,
            training=bool(training) and self.trainable,
            momentum=1.0 - self.momentum, eps=self.epsilon,
        )


__all__ = ["TorchBatchNorm", "keras"]
