"""The voice read stretch by stretch (while the answer is spoken) against one pass over the whole recording.

    python benchmarks/voice_stream.py [--seconds 20] [--ravdess-actors 13-20]

Answers are made from labelled acted clips: for each speaker and emotion, that speaker's clips of that emotion
one after another (0.3 s apart) up to ``--seconds``, so each answer has one known emotion. Each is read twice
with the shipped voice model: one encoder pass over the whole recording (analyse_signal's way, 30-s windows) and
stretch by stretch as library/audio/stretches.py reads a recording that arrives in chunks. Printed: how often
each way names the answer's emotion, how often the two agree, and how far their probabilities lie apart.
The speakers were in the head's training folds (its metadata lists them): the accuracies are optimistic, the
comparison between the two ways is what this measures.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402


def answers(data_dir: Path, seconds: float, actors: range):
    from library.audio.train.corpora import list_clips

    groups = defaultdict(list)
    for clip in list_clips(data_dir, ("ravdess", "savee")):
        if clip.corpus == "ravdess" and int(clip.speaker.split(":")[1]) not in actors:
            continue
        groups[(clip.speaker, clip.label)].append(clip)
    for (speaker, label), clips in sorted(groups.items()):
        parts, total = [], 0
        for clip in clips:
            x, sr = sf.read(str(clip.path), dtype="float32")
            parts += [x, np.zeros(int(0.3 * sr), np.float32)]
            total += len(x) + int(0.3 * sr)
            if total >= seconds * sr:
                break
        yield speaker, label, np.concatenate(parts)[: int(seconds * sr)]


def one_pass(model, x: np.ndarray):
    """The voice read from one encoder pass over the whole recording (30-s windows): how it was read before."""
    from library.audio.encoder import frame_mask
    from library.audio.features import voice_mask
    from library.audio.recording import read_prepared
    from library.audio.stretches import Prepared

    encoded = model.encoder.encode(x)
    voiced = voice_mask(x, 16000)
    prepared = Prepared(x, voiced, encoded, frame_mask(voiced, len(encoded.states)), len(x) / 16000)
    return read_prepared(prepared, model, sample_rate=16000, clip_frac=0.0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--ravdess-actors", default="13-20")
    ap.add_argument("--data-dir", type=Path, default=None)
    a = ap.parse_args()
    from library.audio.model import SpeechEmotionModel
    from library.audio.recording import analyse_signal
    from library.errors import UnprocessableInput
    from library.paths import default_data_dir

    lo, hi = (int(v) for v in a.ravdess_actors.split("-"))
    model = SpeechEmotionModel.load()
    right = {"whole": 0, "stretches": 0}
    agree, gaps, n = 0, [], 0
    spent = {"whole": 0.0, "stretches": 0.0}
    for speaker, label, x in answers(a.data_dir or Path(default_data_dir()), a.seconds, range(lo, hi + 1)):
        t0 = time.perf_counter()
        try:
            streamed = analyse_signal(x, 16000, model)  # stretch by stretch (as chunks would have had them read)
        except UnprocessableInput:  # no voice found in it
            continue
        t1 = time.perf_counter()
        whole = one_pass(model, x)
        t2 = time.perf_counter()
        spent["stretches"] += t1 - t0
        spent["whole"] += t2 - t1
        p = np.array(list(whole.mean_probabilities.values()))
        q = np.array(list(streamed.mean_probabilities.values()))
        right["whole"] += int(np.argmax(p)) == label
        right["stretches"] += int(np.argmax(q)) == label
        agree += int(np.argmax(p) == np.argmax(q))
        gaps.append(float(np.abs(p - q).max()))
        n += 1
    print(f"{n} answers of {a.seconds:g} s (SAVEE's 3 speakers, RAVDESS actors {lo}-{hi}; one emotion each)")
    print(f"  names the answer's emotion: one pass {right['whole'] / n:.3f}, stretch by stretch "
          f"{right['stretches'] / n:.3f}; the two agree on {agree / n:.3f}")
    print(f"  largest probability gap per answer: median {np.median(gaps):.3f}, 90th percentile "
          f"{np.percentile(gaps, 90):.3f}")
    print(f"  time per answer: one pass {spent['whole'] / n:.2f} s, stretch by stretch {spent['stretches'] / n:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
