"""Reading a recording stretch by stretch (library/audio/stretches.py): cuts fall in pauses, on the encoder's grid,
at the same places whether the recording arrives in pieces or whole; stored blocks come back as they were."""

from __future__ import annotations

import numpy as np

from library.audio.stretches import (BLOCK_S, FRAME_SAMPLES, MIN_BLOCK_S, VoiceBlock, covering, next_cut,
                                     read_ahead)
from library.audio.transcribe import TranscriptSegment

SR = 16000


def _speech_with_pause(pause_at: float, seconds: float = 14.0) -> np.ndarray:
    """Noise bursts like syllables, silent for 0.4 s from ``pause_at``."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    x = (0.3 * rng.standard_normal(len(t)) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)
    x[int(pause_at * SR):int((pause_at + 0.4) * SR)] = 0.001 * rng.standard_normal(int(0.4 * SR))
    return x


def test_a_stretch_is_cut_in_the_pause_on_the_encoders_grid():
    x = _speech_with_pause(7.3)
    cut = next_cut(x, 0, len(x))
    assert cut % FRAME_SAMPLES == 0 and 7.3 * SR <= cut <= 7.7 * SR
    assert next_cut(x, 0, int(BLOCK_S * SR) - 1) is None  # not before BLOCK_S seconds wait


def test_the_cut_does_not_depend_on_how_much_has_arrived():
    x = _speech_with_pause(8.8)
    whole = next_cut(x, 0, len(x))
    for arrived in (int(BLOCK_S * SR), int(11.3 * SR), len(x)):
        assert next_cut(x[:arrived], 0, arrived) == whole
    assert MIN_BLOCK_S * SR <= whole <= BLOCK_S * SR


class _Encoder:
    def encode(self, part, silence_s=None):
        from library.audio.encoder import EncodedAudio

        n = max(1, int(np.ceil(len(part) / FRAME_SAMPLES)))
        return EncodedAudio(np.full((n, 384), len(part), np.float32), [], len(part) / SR)


class _Model:
    encoder = _Encoder()


def test_stretches_cover_the_recording_once_in_order():
    x = np.concatenate([_speech_with_pause(7.0), _speech_with_pause(8.0)])
    blocks = read_ahead(_Model(), None, x[: 20 * SR], [])  # as the chunks so far hold it
    blocks += read_ahead(_Model(), None, x, blocks, final=True)
    assert blocks[0].start == 0 and blocks[-1].end == len(x)
    assert all(a.end == b.start for a, b in zip(blocks, blocks[1:]))
    assert sum(len(b.states) for b in blocks) == int(np.ceil(len(x) / FRAME_SAMPLES))  # the states line up
    # A repeat of a stretch (another worker read it too) and a stray one are left out.
    assert covering(blocks + [blocks[1], VoiceBlock(5, 9, blocks[0].states)]) == blocks


def test_a_stored_block_comes_back_as_it_was():
    states = np.random.default_rng(1).standard_normal((40, 384)).astype(np.float32)
    block = VoiceBlock(3200, 16000, states, [TranscriptSegment(0.2, 0.9, "hello there", -0.31, 0.02)])
    back = VoiceBlock.from_bytes(block.to_bytes())
    assert (back.start, back.end, back.segments, back.words_failed) == (3200, 16000, block.segments, False)
    np.testing.assert_allclose(back.states, states, atol=2e-3 * np.abs(states).max())  # float16 in storage
