"""Write the voice model's card (markdown) and its confusion-matrix figure from the run's metadata.

Every figure comes from ``speech_emotion.json``: out-of-fold predictions of a grouped K-fold over
speakers, read through the app's own windows.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS
from library.training import plot_confusion

CARD_FILE = "speech_emotion.md"
CM_FILE = "speech_emotion_confusion.png"

DATA = """\
| corpus | speakers | clips used | language | licence |
|---|---|---|---|---|
| RAVDESS (speech, actors 01–20) | 20 (10 m, 10 f) | 1,200 | North-American English | CC BY-NC-SA 4.0, research |
| SAVEE | 3 (m) | 360 | British English | free for research |
| EmoDB (Berlin) | 8 (4 m, 4 f) | 350 (boredom left out) | German | research |
| TESS | 2 (f, aged 26 and 64) | 937 (a third of the corpus) | Canadian English | CC BY-NC-ND 4.0 |

RAVDESS calm is merged into neutral; TESS "pleasant surprise" is surprise; EmoDB has no surprise.
All are *acted* emotions. The originals: RAVDESS on Zenodo, SAVEE from the University of Surrey,
EmoDB from TU Berlin, TESS from the University of Toronto's dataverse."""

LIMITS = """\
- Acted speech only: professional or trained speakers exaggerating an emotion in a quiet room.
  Everyday speech is subtler; expect lower accuracy and more "neutral" and "unclear" readings.
- Training voices speak English (North-American, British, Canadian) and German. Other languages
  and accents have not been measured for the emotion reading (the transcript names the language).
- It hears how something is said (the encoder's states pooled over about 3 s of voice), and the
  states carry some of the words too; it reads what the voice showed, not what the person felt.
- 33 training speakers is few: per-speaker accuracy below varies widely, and a new voice can be
  read much worse than the average.
- Below the abstention threshold the app says "unclear" rather than naming an emotion.
- Results are a weak signal for reflection, **not a diagnosis**; never use them to judge a person
  or to make decisions about them."""


def _row(name: str, s: dict) -> str:
    return (f"| {name} | {s['n']} | {s['accuracy']:.3f} | {s['uar']:.3f} | {s['macro_f1']:.3f} | {s['ece']:.3f} | "
            f"{s['most_predicted']} {s['most_predicted_share']:.0%} |")


def write_card(out_dir: Path, meta: dict, data_dir: Path) -> Path:
    out_dir = Path(out_dir)
    g = meta["grouped"]
    val = g["all"]
    cm = np.array(val["confusion"])
    plot_confusion(cm, out_dir / CM_FILE, f"speech emotion, out-of-fold over {len(meta['speakers'])} speakers "
                                          f"({cm.sum()} clips), accuracy {val['accuracy']:.3f}")
    head = meta["head"]
    members = head.get("members", 1)
    head_words = (f"multinomial logistic regression (L2, C={head['c']}, class-balanced)" if head["kind"] == "linear"
                  else f"one hidden ReLU layer of {head['hidden']} (L2 {head['alpha']}, class-balanced)"
                  if members == 1 else
                  f"{members} networks of one hidden ReLU layer of {head['hidden']} (L2 {head['alpha']}, "
                  f"class-balanced, seeds {head['seed']}-{head['seed'] + members - 1}) with their logits averaged")
    per_class = "\n".join(f"| {e} | {val['per_class'][e]['precision']:.3f} | {val['per_class'][e]['recall']:.3f} | "
                          f"{val['per_class'][e]['f1']:.3f} | {val['per_class'][e]['support']} |" for e in EMOTIONS)
    groups = "\n".join([_row("**all**", val)] + [_row(k, v) for k, v in g["per_corpus"].items()]
                       + [_row(k, v) for k, v in g["per_sex"].items()])
    speakers = ", ".join(f"{k} {v['accuracy']:.2f}" for k, v in g["per_speaker"].items())
    aug = g.get("augmented")
    ab = meta["abstention"]
    encoder = meta.get("encoder_name", "tiny.en")
    width = meta.get("encoder_width", 384)
    packages = meta.get("encoder", "").split("(", 1)[-1].split(")")[0]
    loco = meta.get("leave_one_corpus_out")
    loco_rows = "\n".join(f"| {k} | {v['n']} | {v['accuracy']:.3f} | {v['uar']:.3f} | {v['ece']:.3f} | "
                           f"{v['most_predicted']} {v['most_predicted_share']:.0%} |" for k, v in (loco or {}).items())
    loco_section = f"""
### A corpus never heard: leave-one-corpus-out
Each corpus read by a head trained on the three others (other speakers, rooms, microphones; EmoDB also another
language), with the shipped temperature: a harder test than new speakers of a known corpus.

| corpus held out | n | accuracy | UAR | ECE | most predicted |
|---|---|---|---|---|---|
{loco_rows}
""" if loco else ""
    calibration = ("fitted on the out-of-fold predictions of the speaker folds and of leave-one-corpus-out together, "
                   "so that it holds on voices and recording set-ups the head never heard"
                   if meta.get("calibrate_on") == "speakers+corpora" else
                   "fitted on out-of-fold predictions of the speaker folds, on the states the app reads")
    text = f"""# Speech-emotion model (audio channel)

Date: {_dt.date.today().isoformat()}. Files: `speech_emotion_head.npz` ({meta['file_bytes'] / 1e6:.2f} MB), metadata
`speech_emotion.json`, the hyperparameters `speech_emotion_hparams.json`; the encoder is Whisper {encoder} for
CTranslate2 (MIT), shipped in PyPI packages ({packages}). API: `library.audio.SpeechEmotionModel`. No torch at run
time. The transcriber decodes the same encoder pass (`library.audio.Transcriber`).

## Model
1. The recording at 16 kHz goes through Whisper {encoder}'s **frozen encoder** (CTranslate2, int8) stretch by
   stretch (about 10 s each, followed by 10 s of silence in its window, as the clips were encoded for training):
   one state of {width} numbers per 20 ms.
2. An energy voice detector marks the voiced frames; a reading pools the states of the voiced frames
   of a {meta['window_s']:.0f}-s window: their mean and standard deviation ({2 * width} numbers).
3. A head, {head_words}, trained on those pooled states, gives seven probabilities,
   divided by a temperature of **{meta['temperature']:.2f}** {calibration}.
4. Whole clip: the voiced span in one window, or half-overlapping windows averaged. Timeline: one
   reading per voiced second, the window centred on it. One encoder pass serves all of them and the
   transcript.
5. Below a top probability of **{meta['abstain_below']:.2f}** the reading is "unclear" (`confident: false`): below
   it, out-of-fold accuracy fell under 40%. {ab['share_confident']:.0%} of validation clips are above it, read right
   {ab['accuracy_confident']:.0%} of the time; those below, {(ab['accuracy_unclear'] or 0):.0%}.

Training used each clean clip and {meta['train_copies']} copy of it under a random recording condition
(the Opus codec browsers record in at 16–32 kb/s, a synthetic room's reverberation, pink noise at
10–30 dB SNR, a telephone band, a level change of −20 to +3 dB; `library/audio/train/augment.py`).

## Data
{DATA}

Data folder used: `{data_dir}` (read in place, never copied).

## Validation: by speaker
{meta['validation']}: {len(meta['speakers'])} speakers, every one in a validation fold exactly once, and no
head ever read a voice it validated on. UAR is the unweighted average recall over the classes the
group holds; ECE the expected calibration error (10 bins); the last column the most-predicted class
and its share (a collapsed model gives one class to most clips).

| clips | n | accuracy | UAR | macro F1 | ECE | most predicted |
|---|---|---|---|---|---|---|
{groups}

{f"The same clips under a random recording condition (codec, room, noise, telephone, level): accuracy {aug['accuracy']:.3f}, UAR {aug['uar']:.3f}, ECE {aug['ece']:.3f}." if aug else ""}

Per speaker (accuracy): {speakers}.
{loco_section}

Per class (all clips):

| emotion | precision | recall | F1 | clips |
|---|---|---|---|---|
{per_class}

![confusion matrix]({CM_FILE})

## Reproduce
`{meta['command']}` (hyperparameters from `library/audio/train/voice_hparams.json`). The first run encodes every
clip {meta['train_copies'] + 1} times (clean and {meta['train_copies']} augmented copy); the states are cached in
`checkpoints/audio/{encoder}/` (git-ignored, resumable by parts; with Whisper base about 0.35 s a clip on one core,
about 18 min a copy here beside other jobs); this run took {meta['train_seconds'] / 60:.0f} min after the encoding. The head refitted on all speakers is what ships; the figures above
are of the fold heads, out of fold. `python -m library.audio.train.compare` compares the recipes on the same
folds (docs/decisions.md, notebooks/voice_recipes.ipynb).

## Limits
{LIMITS}
"""
    path = out_dir / CARD_FILE
    path.write_text(text)
    return path
