"""ESAPR engine: emotion and personality analysis, free of any web framework.

One subpackage per channel (``text``, ``video``, ``audio``) with the same shape
(load input -> features -> model -> typed result) plus ``history`` for storage.
"""

import os

# ONNX Runtime's Linux wheels (1.30) start Microsoft's telemetry client when imported: an empty
# /tmp/mat-debug-<pid>.log per process, a device id and an event store under ~/.cache/Microsoft
# (the wheel carries an HTTPS uploader for them). This app promises no network at run time, and
# ORT_DISABLE_TELEMETRY, read at import, is the only switch that stops the client before it starts
# (``disable_telemetry_events()`` comes after the import, too late). Set here, before anything of
# ours can import onnxruntime; an explicit value in the environment wins.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# Every runtime computes with one thread, so a reading is the same in every process (library/threads.py).
from library.threads import pin_environment as _pin_environment  # noqa: E402

_pin_environment()
