"""Write the speech-emotion model card (markdown) and its confusion-matrix figure.

Every number comes from the metadata the training run wrote (``speech_emotion.json``),
i.e. from measurements of the exported file on validation actors 17-20.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from library.emotions import EMOTIONS
from library.training import plot_confusion

CARD_FILE = "speech_emotion.md"
CM_FILE = "speech_emotion_confusion.png"
CARD_DATE = "2026-11-23"

LIMITS = """\
- Trained on *acted* speech of 16 professional North-American actors (RAVDESS actors 01–16: two
  fixed sentences, "Kids are talking by the door" / "Dogs are sitting by the door", studio
  microphone). Spontaneous speech, other languages and accents, children, phone or laptop
  microphones and noisy rooms are outside what it has seen; expect lower accuracy there.
- It hears *how* something is said (pitch, energy, timbre over ~3 s), not the words.
- Validation uses only 4 speakers (240 clips): one clip is 0.4 points, and the figure would
  move by several points with other speakers. Treat it as a rough guide.
- Acted emotions are exaggerated compared with everyday speech; a calm everyday voice will
  mostly read as neutral.
- Results are a weak signal for reflection, **not a diagnosis**; never use them to judge a
  person or to make decisions about them.
"""


def _per_class_rows(m: dict) -> str:
    return "\n".join(f"| {e} | {m['per_class'][e]['precision']:.3f} | {m['per_class'][e]['recall']:.3f} | "
                     f"{m['per_class'][e]['f1']:.3f} | {m['per_class'][e]['support']} |" for e in EMOTIONS)


def _members_line(meta: dict) -> str:
    members = meta.get("members") or []
    if len(members) < 2:
        return ""
    each = ", ".join(f"seed {m['seed']}: {m['val_accuracy']:.4f}" for m in members)
    return (f"\nThe file holds {len(members)} such nets, trained alike with different seeds, and averages their "
            f"probabilities (an ensemble). Validation accuracy of each alone: {each}.\n")


def write_card(out_dir: Path, meta: dict, data_dir: Path, wall_seconds: float | None = None,
               extra: str = "") -> Path:
    out_dir = Path(out_dir)
    val, base = meta["val"], meta.get("baseline")
    cm = np.array(val["confusion"])
    plot_confusion(cm, out_dir / CM_FILE,
                   f"speech emotion, val actors 17-20 ({cm.sum()} clips), accuracy {val['accuracy']:.3f}")
    tc, fc, mc = meta["train_config"], meta["features"], meta["model_config"]
    aug = tc["augment"]
    hist = meta.get("history", [])
    epoch_s = [h["epoch_s"] for h in hist]
    size = meta["file_bytes"]
    base_line = (f"| SVM baseline (utterance stats of log-mel + MFCC + deltas, RBF SVC C=10) | "
                 f"{base['accuracy']:.4f} | {base['balanced_accuracy']:.4f} | {base['macro_f1']:.4f} |"
                 if base else "| SVM baseline | not run | | |")
    by_int = val.get("accuracy_by_intensity", {})
    text = f"""# Speech-emotion model (audio channel)

Date: {CARD_DATE}. File: `speech_emotion.keras` ({size / 1e6:.2f} MB, {meta['params']:,} parameters),
metadata `speech_emotion.json`. API: `library.audio.SpeechEmotionModel`.
All figures below were measured by the training run that produced the file.

## Model
Log-mel spectrogram ({fc['n_mels']} mel bands up to {fc['fmax']:.0f} Hz, {fc['win_length'] / 16:.0f}-ms Hann window,
{fc['hop_length'] / 16:.0f}-ms hop, n_fft {fc['n_fft']}, 16 kHz mono) of a {(fc['window_frames'] + (fc['windows'] - 1) * fc['window_step']) / 100:.2f}-s segment,
standardised per segment, cut into {fc['windows']} rolling windows of {fc['window_frames']} frames ({fc['window_step']}-frame step).
Each window goes through {len(mc['filters'])} local feature-learning blocks (Conv 3×3 → batch norm → ELU →
max-pool 2×2; filters {tuple(mc['filters'])}), applied to every window with shared weights; then
LSTM {mc['lstm_units'][0]} → LSTM {mc['lstm_units'][1]} over the windows, dropout {mc['dropout']}, softmax over
{', '.join(EMOTIONS)}. Keras 3 on torch.
{_members_line(meta)}
A whole clip is scored on segments centred on its speech (leading and trailing silence trimmed by
an energy voice detector), averaged when the speech is longer than one segment; the app's per-second
timeline reads the segment centred on each voiced second.

## Data and split (speaker-independent)
- RAVDESS speech (`ravdess/Actor_NN/03-01-*.flac`, 16 kHz), 8 emotions → 7: calm merged into neutral.
- Train: actors {tc['train_actors'][0]:02d}–{tc['train_actors'][-1]:02d} ({meta['train_clips']} clips).
  Validation: actors {tc['val_actors'][0]:02d}–{tc['val_actors'][-1]:02d} ({meta['val_clips']} clips) — no speaker in both.
- The shipped file is the model of this split run (not retrained on all actors), taken at its **last**
  epoch: no epoch was picked by validation accuracy. Held-out actors 21–24 (not available here) judge it.
- Data folder used: `{data_dir}`.

## Results on validation actors 17–20

| model | accuracy | balanced accuracy | macro F1 |
|---|---|---|---|
| **this model** | **{val['accuracy']:.4f}** | {val['balanced_accuracy']:.4f} | {val['macro_f1']:.4f} |
{base_line}

Published speaker-independent reference points on RAVDESS: spectrogram CNN ≈ 50%, eGeMAPS + SVM ≈ 59%
(different class sets and splits, so only a rough guide). Chance (majority class, neutral) is 20%.
{f"Accuracy by RAVDESS intensity: normal {by_int.get('normal', float('nan')):.3f}, strong {by_int.get('strong', float('nan')):.3f}." if by_int else ''}

Per class (this model):

| emotion | precision | recall | F1 | clips |
|---|---|---|---|---|
{_per_class_rows(val)}

Confusion matrix (rows = true, columns = predicted; counts):

![confusion matrix]({CM_FILE})

{"Per class (SVM baseline):" if base else ""}

{("| emotion | precision | recall | F1 | clips |" + chr(10) + "|---|---|---|---|---|" + chr(10) + _per_class_rows(base)) if base else ""}

## Training
- Command: `{meta.get('command') or 'python -m library.audio.train'}` (as run here:
  `nohup nice -n 10 .venv/bin/python -m library.audio.train --threads N > tmp/audio_train.log 2>&1 &`).
  Resumable: `--resume` continues the same plan from `checkpoints/audio/`.
- {meta['epochs']} epochs, batch {tc['batch_size']}, AdamW (lr {tc['lr']}, weight decay {tc['weight_decay']}),
  {tc['warmup_epochs']} warm-up epochs then cosine to 0, label smoothing {tc['label_smoothing']},
  class weights ∝ 1/count (neutral has 12 clips per actor, the others 8),
  {'mixed_bfloat16' if tc['mixed_bfloat16'] else 'float32'} compute, seed {tc['seed']}, torch threads {meta.get('torch_threads')}.
- Augmentation, a fresh copy of every clip each epoch: speed factors {tuple(aug['speeds'])} (resampling:
  tempo and pitch together; mel spectrograms precomputed per speed), frequency warp {tuple(aug.get('warp', (1, 1)))}
  (vocal-tract-length perturbation, interpolating between mel bands), segment shifted up to ±{aug['shift_s']} s
  around the speech, additive white or pink noise at {aug['snr_db'][0]:.0f}–{aug['snr_db'][1]:.0f} dB SNR (p {aug['noise_prob']},
  added in the mel-power domain), SpecAugment ({aug['time_masks']} time masks ≤ {aug['time_mask_max']} frames,
  {aug['freq_masks']} frequency masks ≤ {aug['freq_mask_max']} mel bands).
- Training time: {meta['train_seconds'] / 60:.1f} min ({np.median(epoch_s) if epoch_s else float('nan'):.0f} s per epoch, median)
  on the development machine (2 CPU cores, shared with another training job){f'; whole run incl. decoding and baseline {wall_seconds / 60:.1f} min' if wall_seconds else ''}.
- Validation accuracy during training (float32 copy, every epoch; reported, never used to choose):
  {', '.join(f"{h['epoch']}: {h['val_acc']:.3f}" for h in hist[::max(1, len(hist) // 10)])}{f", {hist[-1]['epoch']}: {hist[-1]['val_acc']:.3f}" if hist and (len(hist) - 1) % max(1, len(hist) // 10) else ''}.
{extra}
## Limits
{LIMITS}"""
    path = out_dir / CARD_FILE
    path.write_text(text)
    return path
