"""Encode every corpus clip once with the frozen encoder and cache the frame states on disk.

    python -m library.audio.train.prepare [--data-dir D] [--encoder base] [--cache checkpoints/audio/base]
                                          [--threads 2] [--augmented-copies 1] [--limit N]

The encoder is frozen, so its states are computed once and every head, fold and variant
reads them from the cache (``checkpoints/`` is git-ignored; the cache holds derived numbers,
never audio). Work is saved in parts of ``PART`` clips, and a rerun skips the parts already
written, so an interrupted run resumes. Copy 0 is the clean clip; copy k > 0 is the clip
under one random recording condition (augment.py), seeded by (clip, copy), so reruns agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from library.audio.train.corpora import CORPORA, Clip, list_clips
from library.audio.encoder import WhisperEncoder, frame_mask
from library.audio.stretches import SILENCE_S
from library.audio.features import voice_mask
from library.audio.train.augment import augment
from library.paths import PROJECT_ROOT, default_data_dir
from library.training import log

PART = 200
DEFAULT_CACHE = PROJECT_ROOT / "checkpoints" / "audio"


def clip_seed(clip: Clip, copy: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{clip.path.name}:{copy}".encode()).digest()[:8], "little")


def read_clip(clip: Clip) -> np.ndarray:
    import soundfile as sf

    x, sr = sf.read(str(clip.path), dtype="float32", always_2d=False)
    if sr != 16_000:
        raise ValueError(f"{clip.path} is {sr} Hz; the shared corpora are 16 kHz")
    return x if x.ndim == 1 else x.mean(axis=1)


def cache_dir(encoder: str) -> Path:
    return DEFAULT_CACHE / encoder


def encode_clip(encoder: WhisperEncoder, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(states float16 (frames, width), voiced mask (frames,)) of one signal, encoded as the app encodes a stretch
    (followed by SILENCE_S of silence, library/audio/stretches.py), so the head learns the states it will read."""
    states = encoder.encode(x, silence_s=SILENCE_S).states
    return states.astype(np.float16), frame_mask(voice_mask(x, 16_000), len(states))


def part_path(cache: Path, copy: int, index: int) -> Path:
    return cache / f"copy{copy}" / f"part{index:03d}.npz"


def prepare(data_dir: Path, cache: Path, copies: int, threads: int, limit: int | None = None,
            encoder_name: str = "base") -> None:
    clips = list_clips(data_dir, CORPORA)
    if limit:
        clips = clips[::max(1, len(clips) // limit)][:limit]
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "clips.json").write_text(json.dumps(
        [{"path": str(c.path.relative_to(data_dir)), "corpus": c.corpus, "speaker": c.speaker, "sex": c.sex,
          "label": c.label} for c in clips], indent=0))
    (cache / "encoder.json").write_text(json.dumps({"encoder": encoder_name, "silence_s": SILENCE_S}))
    encoder = WhisperEncoder.load(name=encoder_name, threads=threads)
    for copy in range(copies + 1):
        for index, start in enumerate(range(0, len(clips), PART)):
            out = part_path(cache, copy, index)
            if out.is_file():
                continue
            states, masks = [], []
            for clip in clips[start:start + PART]:
                x = read_clip(clip)
                if copy:
                    x = augment(x, np.random.default_rng(clip_seed(clip, copy)))
                s, m = encode_clip(encoder, x)
                states.append(s)
                masks.append(m)
            out.parent.mkdir(parents=True, exist_ok=True)
            lengths = np.array([len(s) for s in states])
            tmp = out.with_suffix(".tmp.npz")
            np.savez(tmp, states=np.concatenate(states), masks=np.concatenate(masks), lengths=lengths)
            tmp.rename(out)
            log(f"copy {copy}: clips {start}-{start + len(states)} of {len(clips)} encoded")


def load_cache(cache: Path, copy: int = 0) -> tuple[list[dict], list[np.ndarray], list[np.ndarray]]:
    """(clip records, states per clip, masks per clip) of one copy."""
    records = json.loads((cache / "clips.json").read_text())
    states, masks = [], []
    index = 0
    while part_path(cache, copy, index).is_file():
        with np.load(part_path(cache, copy, index)) as z:  # each z[key] reads the whole array: once per part
            all_states, all_masks, lengths = z["states"], z["masks"], z["lengths"]
        bounds = np.cumsum(np.r_[0, lengths])
        states += [all_states[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        masks += [all_masks[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        index += 1
    if len(states) != len(records):
        raise FileNotFoundError(f"the cache at {cache} (copy {copy}) holds {len(states)} of {len(records)} clips: "
                                "run python -m library.audio.train.prepare")
    return records, states, masks


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--encoder", default="base", help="a packaged Whisper model (library/audio/whisper_packages.py)")
    ap.add_argument("--cache", type=Path, default=None, help=f"default {DEFAULT_CACHE}/<encoder>")
    ap.add_argument("--augmented-copies", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=None, help="encode only N clips spread over the corpora (smoke runs)")
    args = ap.parse_args(argv)
    prepare(args.data_dir, args.cache or cache_dir(args.encoder), args.augmented_copies, args.threads, args.limit,
            args.encoder)


if __name__ == "__main__":
    main()
