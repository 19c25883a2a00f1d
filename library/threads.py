"""One inference thread per runtime, in every process: a reading must not depend on where it was computed.

The web workers, the batch's local engine and its Ray actors, and the interview all read the same file the
same way only if every runtime does its arithmetic in the same order. CTranslate2 and ONNX Runtime get
their thread counts explicitly where each model is loaded (one each, measured fastest per request here),
but OpenBLAS (numpy's matrix products: Whisper's log-mel, the voice head) and the OpenMP runtimes
(CTranslate2's libgomp, torch's when a test or training imported it) take theirs from the environment and
from whatever else the process loaded: a Ray actor starts with OMP_NUM_THREADS=1, a pytest process that
imported torch ran CTranslate2's OpenMP at the core count. A split reduction sums in another order, and a
voiced/unvoiced decision at a threshold can then flip (a voice reading moved 0.6723 -> 0.6805 between the
engines on one CI machine). So every process pins all of them to one thread: the environment before the
libraries load (``library/__init__.py``), and ``threadpoolctl`` for the ones already loaded when a model
is. One thread per request is also what the server wants: it runs requests side by side, not one wide.
"""

from __future__ import annotations

import os

INFERENCE_THREADS = 1
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_environment() -> None:
    """Before numpy, CTranslate2 or ONNX Runtime load: their thread pools read these once, at load."""
    for name in THREAD_ENV:
        os.environ[name] = str(INFERENCE_THREADS)


def pin_loaded() -> None:
    """Every BLAS and OpenMP library already in the process to one thread (those loaded before the
    environment was set, e.g. by a test that imported torch first)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=INFERENCE_THREADS)
