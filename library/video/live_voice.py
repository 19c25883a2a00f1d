"""The voice of a live answer, read while the person speaks: the live video page's microphone, and the voice page's.

    voice = LiveVoice(LiveSound(engine), voice_model, transcriber, decode_limits)
    voice.add_chunk(session_id, index, data, recorded_s=12.0)  # during the capture: store, read what is complete
    voice.close(session_id, words_reader, expected=45)           # the video's finish: the last seconds -> SoundReading
    voice.read_answer(session_id, words_reader, expected=15)     # the voice page's finish -> AudioAnalysis

Each chunk is stored (library/history/live_sound.py); when enough new sound has come since the last stretch read
(``recorded_s``, the page's own count of the seconds its chunks hold, spares a decode while it has not), the
recording so far is decoded from memory and each complete stretch is encoded and transcribed once
(library/audio/stretches.py), its result stored beside the chunks. Everything a worker needs is in the database,
so any worker can take the next chunk or the finish. The finish reads only the rest, then the whole answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from library.audio.decode import decode_audio
from library.audio.features import SAMPLE_RATE, resample
from library.audio.recording import AudioAnalysis, analyse_signal
from library.audio.stretches import BLOCK_S, GUARD_S, VoiceBlock, covering, read_ahead
from library.errors import InputError, PayloadTooLarge, UnprocessableInput
from library.history.live_sound import ChunkReceipt, LiveSound
from library.video.sound import SoundReading, sound_reading, unread


class ChunksMissing(UnprocessableInput):
    """The finish was told of chunks that never arrived: the client sends them again, then finishes."""

    def __init__(self, missing: list[int]):
        self.missing = missing
        super().__init__(f"Chunks {', '.join(map(str, missing[:20]))} of the recording have not arrived; "
                         "send them again, then finish.")


class LiveVoice:
    def __init__(self, sound: LiveSound, model, transcriber=None, decode_limits: dict | None = None):
        self.sound, self.model, self.transcriber = sound, model, transcriber
        self.decode_limits = decode_limits or {}

    def add_chunk(self, session_id: str, index: int, data: bytes, *, max_chunks: int, max_bytes: int,
                  recorded_s: float | None = None) -> dict:
        """Store one chunk and read whatever it completes. The answer says what the server holds. The seconds limit
        is counted as the chunks come (``PayloadTooLarge``): by the page's ``recorded_s`` before anything is stored,
        and by the decoded sound when a stretch is read."""
        max_seconds = self.decode_limits.get("max_seconds")
        if recorded_s is not None and max_seconds is not None and recorded_s > max_seconds:
            raise PayloadTooLarge(f"The recording is longer than {max_seconds:g} seconds.")
        receipt = self.sound.add_chunk(session_id, index, data, max_chunks=max_chunks, max_bytes=max_bytes)
        read_s = self.sound.read_until(session_id) / SAMPLE_RATE
        worth_reading = recorded_s is None or recorded_s - read_s >= BLOCK_S + GUARD_S
        if not receipt.duplicate and self.model is not None and worth_reading and _READING.claim(session_id):
            try:
                read_s = self._read_ahead(session_id, read_s)
            finally:
                _READING.release(session_id)
        return _answer(receipt, read_s)

    def _read_ahead(self, session_id: str, read_s: float) -> float:
        data, _ = self.sound.readable(session_id)
        if not data:
            return read_s
        try:
            signal, rate = decode_audio(data, max_bytes=max(len(data), 1), **self.decode_limits)
        except PayloadTooLarge:
            raise  # past the limits already: no later chunk can make it readable
        except InputError:
            return read_s  # too short yet, or damaged: the finish says what is wrong
        x = resample(signal, rate, SAMPLE_RATE)
        blocks = covering([VoiceBlock.from_bytes(b) for b in self.sound.blocks(session_id)])
        new = read_ahead(self.model, self.transcriber, x, blocks)
        self.sound.add_blocks(session_id, [(b.start, b.end, b.to_bytes()) for b in new])
        done = (new or blocks)[-1].end if (new or blocks) else 0
        return done / SAMPLE_RATE

    def missing(self, session_id: str, expected: int) -> list[int]:
        present = self.sound.indices(session_id)
        return [i for i in range(expected) if i not in present]

    def has_sound(self, session_id: str) -> bool:
        return bool(self.sound.indices(session_id))

    def close(self, session_id: str, words_reader=None, expected: int | None = None,
              progress: Callable[[float], None] | None = None) -> SoundReading:
        """The voice and words of the whole recording beside a video answer's face: as ``read_answer``, but a
        recording that cannot be read is a note (the face's result stands), not an error."""
        self._check_arrived(session_id, expected)
        try:
            analysis = self.read_answer(session_id, words_reader, progress=progress)
        except InputError as exc:
            return unread(exc)
        return sound_reading(analysis)

    def read_answer(self, session_id: str, words_reader=None, expected: int | None = None,
                    progress: Callable[[float], None] | None = None) -> AudioAnalysis:
        """The voice and words of the whole recording: decoded once more, the stretches read during the capture
        taken as they are, the rest read now (``InputError`` when it cannot be read). ``expected``: how many
        chunks the client sent (``ChunksMissing`` when some are not here); without it the recording is read up to
        its first missing chunk."""
        self._check_arrived(session_id, expected)
        data, _ = self.sound.readable(session_id)
        blocks = [VoiceBlock.from_bytes(b) for b in self.sound.blocks(session_id)]
        signal, rate = decode_audio(data, max_bytes=max(len(data), 1), **self.decode_limits)
        if progress:
            progress(0.3)
        return analyse_signal(signal, rate, self.model, self.transcriber, words_reader, read=blocks)

    def _check_arrived(self, session_id: str, expected: int | None) -> None:
        if expected is not None and (gone := self.missing(session_id, expected)):
            raise ChunksMissing(gone)


class _Claims:
    """Sessions this process is reading now. The page sends two chunks at a time, so the next chunk often comes
    while the one before is being read: it is stored and answered at once instead of reading the same stretch
    again. (Another process may still read it twice; both stores are harmless, the first is kept.)"""

    def __init__(self):
        self._sessions: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, session_id: str) -> bool:
        with self._lock:
            if session_id in self._sessions:
                return False
            self._sessions.add(session_id)
            return True

    def release(self, session_id: str) -> None:
        with self._lock:
            self._sessions.discard(session_id)


_READING = _Claims()


def _answer(receipt: ChunkReceipt, read_s: float) -> dict:
    return {"duplicate": receipt.duplicate, "received": receipt.received, "contiguous": receipt.contiguous,
            "read_s": round(read_s, 2)}
