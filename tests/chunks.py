"""A recording cut as the live page's MediaRecorder cuts it (tests and benchmarks/finish.py share it)."""

from __future__ import annotations

import numpy as np

from media import av_bytes


def webm_chunks(x: np.ndarray, sr: int, seconds_each: float = 1.0) -> tuple[bytes, list[bytes]]:
    """The whole WebM/Opus recording (what Chromium's MediaRecorder makes), and the same bytes in one chunk per
    ``seconds_each`` as its timeslice cuts them: anywhere in the stream (mid-cluster, mid-block), the first chunk
    holding the header. Opus runs at a near constant bitrate, so cutting the bytes evenly cuts the time evenly."""
    data = av_bytes(x, sr, "webm", "libopus", 48000)
    n = max(1, int(np.ceil(len(x) / sr / seconds_each)))
    cuts = np.linspace(0, len(data), n + 1).astype(int)
    return data, [data[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
