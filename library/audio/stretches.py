"""A recording read stretch by stretch: about ten seconds at a time, each cut in a pause and encoded on its own.

    blocks = read_ahead(model, transcriber, x16k, blocks)              # the stretches now complete, each read once
    blocks += read_ahead(model, transcriber, x16k, blocks, final=True)  # the recording is whole: the rest too
    prepared = prepared_from_blocks(x16k, blocks)                       # the whole answer, for the voice's head
    transcript = blocks_transcript(blocks)

Why stretches: the voice head learned from acted clips of 1.5-5 s, each encoded alone in a Whisper window. Read in
one pass, a longer answer's states are those of speech deep inside a long context, which the head never saw: on
74 answers of 20 s made of one speaker's clips of one emotion, one pass named the emotion 30% of the time and
stretch by stretch 99% (benchmarks/voice_stream.py; the speakers were in the head's training folds, so both are
optimistic, but not the gap). A clip under ``BLOCK_S`` is one stretch: read exactly as before.

It is also what lets a live answer be read while it is spoken: a stretch is read as soon as the chunks hold it, and
the end of the answer leaves only its last seconds. A block is a stretch with its encoder states and its
transcript's segments (decoded from the same pass); blocks are plain arrays and strings (``VoiceBlock.to_bytes``),
so the state between two chunks can live in a database row and any worker can take the next chunk. At the end the
blocks' states lie side by side on the recording's 20-ms grid and the voice is read from them as from one pass
(the voice activity and the windows of library/audio/windows.py over the whole answer); the transcript is the
blocks' segments in order.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field

import numpy as np

from library.audio.encoder import EncodedAudio, frame_mask
from library.audio.features import SAMPLE_RATE, frame_levels_db, voice_mask
from library.audio.transcribe import ENGLISH, Decoded, Transcript, TranscriptSegment, joined_transcript

log = logging.getLogger(__name__)

FRAME_SAMPLES = 320  # one encoder state: blocks start and end on this grid so their states line up
BLOCK_S = 10.0  # a block is read once this much new sound is decoded, cut in the quietest quarter second...
MIN_BLOCK_S = 6.0  # ...between this far into it and BLOCK_S: where it is cut depends on those seconds only, so a
# recording read while it arrives is cut where the same recording read whole is
GUARD_S = 0.5  # the last decoded half second may end in a codec frame cut short: it waits for the next chunk
QUIET_WINDOW_S = 0.25
MIN_WORDS_S = 0.3  # a stretch shorter than this holds no word to transcribe
# Silence after a stretch in its encoder window (WhisperEncoder.encode), instead of padding the window to 30 s: on
# 120 acted clips the voice head named the same emotion for every one with 5, 10 or 15 s as with the 30-s window
# (2 s: 97%), and Whisper's decoding stayed as quick with 8 or 10 s on ten stretches of read speech, while with no
# silence at all a 9-s stretch took 16-20 s to decode; a 10-s stretch then costs a third of a 30-s window's pass.
SILENCE_S: float | None = 10.0


@dataclass
class Prepared:
    """A 16-kHz recording with its voice mask and its encoder states (of its stretches, side by side)."""

    signal: np.ndarray
    voiced: np.ndarray  # bool per 10-ms frame (library.audio.features.voice_mask)
    encoded: EncodedAudio
    frames_voiced: np.ndarray  # the same mask on the encoder's 20-ms frames
    duration_s: float

    @property
    def voiced_fraction(self) -> float:
        return float(self.voiced.mean()) if len(self.voiced) else 0.0


@dataclass
class VoiceBlock:
    start: int  # 16-kHz samples into the recording
    end: int
    states: np.ndarray  # (frames, width) encoder states of [start, end)
    segments: list[TranscriptSegment] = field(default_factory=list)  # on the recording's clock
    words_failed: bool = False  # the transcriber failed on this block: the answer is kept without words
    language: str = ENGLISH  # of its words, detected from its own encoder pass
    translated: list[TranscriptSegment] = field(default_factory=list)  # English, when its language is not

    @property
    def decoded(self) -> Decoded:
        return Decoded(self.segments, self.language, 1.0, self.translated)

    def to_bytes(self) -> bytes:
        """Storage form: the states as float16 (the head reads them as float32; the difference is below the
        int8 encoder's own rounding) and the words as JSON, in one .npz."""
        buffer = io.BytesIO()
        words = {"segments": _rows(self.segments), "language": self.language, "translated": _rows(self.translated)}
        np.savez(buffer, span=np.array([self.start, self.end, int(self.words_failed)], dtype=np.int64),
                 states=self.states.astype(np.float16), words=np.array(json.dumps(words)))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> VoiceBlock:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            start, end, failed = (int(v) for v in z["span"])
            words = json.loads(str(z["words"])) if "words" in z.files else {"segments": json.loads(str(z["segments"]))}
            return cls(start, end, z["states"].astype(np.float32), _from_rows(words["segments"]), bool(failed),
                       words.get("language", ENGLISH), _from_rows(words.get("translated", [])))


def _rows(segments: list[TranscriptSegment]) -> list[list]:
    return [[s.start, s.end, s.text, s.avg_logprob, s.no_speech_prob] for s in segments]


def _from_rows(rows: list[list]) -> list[TranscriptSegment]:
    return [TranscriptSegment(float(a), float(b), str(text), float(lp), float(ns)) for a, b, text, lp, ns in rows]


def _shifted(segments: list[TranscriptSegment], offset: float) -> list[TranscriptSegment]:
    return [TranscriptSegment(s.start + offset, s.end + offset, s.text, s.avg_logprob, s.no_speech_prob)
            for s in segments]


def read_block(model, transcriber, x16k: np.ndarray, start: int, end: int) -> VoiceBlock:
    """Encode ``x16k[start:end]`` once, and transcribe it from that same pass."""
    part = np.asarray(x16k[start:end], dtype=np.float32)
    encoded = model.encoder.encode(part, silence_s=SILENCE_S)
    if transcriber is None or len(part) < MIN_WORDS_S * SAMPLE_RATE:
        return VoiceBlock(start, end, encoded.states)
    try:
        decoded = transcriber.decode(part, encoded)
    except Exception:  # noqa: BLE001 - as in analyse_signal: failing words must not cost the voice reading
        log.exception("transcription of a stretch failed; the voice is kept without words")
        return VoiceBlock(start, end, encoded.states, [], words_failed=True)
    offset = start / SAMPLE_RATE
    return VoiceBlock(start, end, encoded.states, _shifted(decoded.segments, offset), False, decoded.language,
                      _shifted(decoded.translated, offset))


def next_cut(x16k: np.ndarray, done: int, available: int) -> int | None:
    """Where the next block ends, or None while fewer than ``BLOCK_S`` seconds wait after ``done``: the middle of
    the quietest quarter second between ``MIN_BLOCK_S`` and ``BLOCK_S`` after ``done``, on the states' grid."""
    if available - done < BLOCK_S * SAMPLE_RATE:
        return None
    lo = done + int(MIN_BLOCK_S * SAMPLE_RATE)
    hi = done + int(BLOCK_S * SAMPLE_RATE)
    levels = frame_levels_db(x16k[lo:hi], SAMPLE_RATE)  # one a 10 ms
    width = max(1, int(QUIET_WINDOW_S / 0.01))
    if len(levels) <= width:
        return None
    loudness = np.convolve(levels, np.ones(width) / width, mode="valid")
    middle = lo + (int(np.argmin(loudness)) + width // 2) * 160
    return done + (middle - done) // FRAME_SAMPLES * FRAME_SAMPLES


def read_ahead(model, transcriber, x16k: np.ndarray, blocks: list[VoiceBlock], final: bool = False) -> list[VoiceBlock]:
    """The new blocks after ``blocks`` (which cover the recording from its start) in the sound decoded so far,
    ``x16k``. Only what is safely decoded is read (not the last ``GUARD_S``); ``final``: the recording is whole,
    and its rest becomes the last block."""
    done = blocks[-1].end if blocks else 0
    available = len(x16k) if final else max(0, len(x16k) - int(GUARD_S * SAMPLE_RATE))
    new = []
    while (cut := next_cut(x16k, done, available)) is not None and cut > done:
        new.append(read_block(model, transcriber, x16k, done, cut))
        done = cut
    if final and done < len(x16k):
        new.append(read_block(model, transcriber, x16k, done, len(x16k)))
    return new


def covering(blocks: list[VoiceBlock]) -> list[VoiceBlock]:
    """The blocks that follow one another from the recording's start (another worker may have read the same
    stretch: the first of each start is kept, and a block that does not start where the last ended ends the run)."""
    by_start: dict[int, VoiceBlock] = {}
    for block in blocks:
        by_start.setdefault(block.start, block)
    run, at = [], 0
    while at in by_start:
        run.append(by_start[at])
        at = by_start[at].end
    return run


def prepared_from_blocks(x16k: np.ndarray, blocks: list[VoiceBlock]) -> Prepared:
    """The whole answer as one ``Prepared`` recording: the blocks' states side by side, the voice activity of the
    whole recording (its noise floor is the answer's, not a block's)."""
    x = np.asarray(x16k, dtype=np.float32)
    states = np.concatenate([b.states for b in blocks]) if blocks else np.zeros((0, 0), np.float32)  # an empty recording
    voiced = voice_mask(x, SAMPLE_RATE)
    encoded = EncodedAudio(states.astype(np.float32), [], len(x) / SAMPLE_RATE)
    return Prepared(x, voiced, encoded, frame_mask(voiced, len(states)), len(x) / SAMPLE_RATE)


def blocks_transcript(blocks: list[VoiceBlock]) -> Transcript:
    return joined_transcript([b.decoded for b in blocks])

