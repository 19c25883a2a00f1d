"""A recording cut as the live page's MediaRecorder cuts it (tests and benchmarks/finish.py share it), and what the
chunk tests of the video and voice pages ask of an answer."""

from __future__ import annotations

from pathlib import Path

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


def spoken_answer(folder: Path) -> tuple[bytes, list[bytes], float]:
    """About 16 s of espeak-ng speech (the test sentence twice): the whole WebM, its 1-s chunks and its seconds."""
    import soundfile as sf

    from speech import spoken_wav

    x, sr = sf.read(str(spoken_wav(folder / "answer.wav", repeat=2)), dtype="float32")
    whole, chunks = webm_chunks(x, sr)
    return whole, chunks, len(x) / sr


def chunk_routes(channel: str):
    """(send chunk ``index`` of a session, finish the session) through the API of ``channel`` ("video" or "audio"):
    both pages take their microphone's chunks by the same routes under their own prefix."""
    prefix = f"/api/v1/{channel}/session"

    def send(client, session: str, index: int, data: bytes, seconds: float | None = None):
        query = f"?t={seconds}" if seconds is not None else ""
        return client.post(f"{prefix}/{session}/sound/{index}{query}", data=data,
                           content_type="application/octet-stream")

    def finish(client, session: str, sent: int | None = None):
        data = {"chunks": str(sent)} if sent is not None else {}
        return client.post(f"{prefix}/{session}/finish", data=data, content_type="multipart/form-data")

    return send, finish


def said(body: dict) -> str:
    return body["transcript"]["text"].lower()


def sound_rows(app) -> int:
    """The chunks and read stretches the app's database holds, of every session."""
    from sqlalchemy import func, select

    from library.history.live_sound import SOUND_TABLES

    engine = app.extensions["esapr_store"].engine
    with engine.connect() as connection:
        return sum(connection.scalar(select(func.count()).select_from(t)) for t in SOUND_TABLES)
