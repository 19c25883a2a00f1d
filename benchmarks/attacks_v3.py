"""Issue #27's attacks on work and memory (findings 1, 2, 12), and the README's memory bound, against a served app.

    .venv/bin/python benchmarks/attacks_v3.py [--only NAME ...] [--concurrent 4] [--json FILE]

The same harness as benchmarks/attacks_limits.py (``python main.py serve`` with 2 workers on 127.0.0.1, GET /
timed every 0.25 s, RSS of the workers sampled every 50 ms): a 3-MB PNG frame of text chunks after its image
data, a 1.6-KB MP4 declaring 20 million samples (as a video and as a voice upload), a 0.7-KB WebM whose VP8
keyframe says 16000x16000, and the largest accepted video and recording, which set the memory bound.
Run it on a checkout of the old code (with benchmarks/attacks_*.py and hostile_files.py copied in) for "before".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from benchmarks import hostile_files as hostile  # noqa: E402
from benchmarks.attacks_limits import Attack, run_attack, run_on_server  # noqa: E402


def attacks() -> dict[str, Attack]:
    return {a.name: a for a in [
        Attack("png_text_after_image_3mb", "/api/v1/video/frame", "frame", "frame.png",
               lambda: hostile.png_with_text_after_image(3_000_000)),
        Attack("mp4_20m_samples_video", "/api/v1/video", "video", "clip.mp4", hostile.mp4_with_sample_tables),
        Attack("mp4_20m_samples_audio", "/api/v1/audio", "audio", "voice.m4a", hostile.mp4_with_sample_tables),
        Attack("webm_vp8_keyframe_16000", "/api/v1/video", "video", "clip.webm", hostile.webm_with_large_keyframe),
        # Within every limit, as large as allowed: what a worker holds per analysis (the README's memory bound).
        Attack("largest_flac", "/api/v1/audio", "audio", "voice.flac", lambda: hostile.silent_flac(192_000, 1, 60)),
        Attack("largest_video", "/api/v1/video", "video", "clip.mp4", lambda: hostile.still_h264(8, 30, 4096, 2304)),
    ]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    table = attacks()
    parser.add_argument("--only", nargs="+", choices=list(table), default=list(table))
    parser.add_argument("--concurrent", type=int, default=4)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    return run_on_server(args.only, lambda server, name: run_attack(server, table[name], args.concurrent), args.json)


if __name__ == "__main__":
    sys.exit(main())
