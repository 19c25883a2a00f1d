"""Baseline for the card: utterance statistics of frame-level features + an RBF SVM (scikit-learn).

Per clip, over its voiced frames only (silence would dilute every mean): mean and std of the
64 log-mel bands, of 20 MFCCs (DCT-II of the log-mel) and of their deltas, plus the frame
level's mean, std and range — 211 numbers. Standardised, then ``SVC(C=10, gamma="scale",
class_weight="balanced")``; fixed, not tuned on validation, so it is a fair reference point.
"""

from __future__ import annotations

import numpy as np

from library.audio.features import FeatureConfig, VadConfig, log_mel, voice_mask

N_MFCC = 20


def utterance_features(wave: np.ndarray, cfg: FeatureConfig = FeatureConfig()) -> np.ndarray:
    from scipy.fft import dct

    spec = log_mel(wave, cfg)  # (M, T), frames every 10 ms like the VAD's
    voiced = voice_mask(wave, cfg.sample_rate, VadConfig())
    n = min(spec.shape[1], len(voiced))
    keep = np.flatnonzero(voiced[:n])
    if len(keep) < 5:  # (almost) no voice found: use all frames
        keep = np.arange(spec.shape[1])
    mfcc = dct(spec, type=2, axis=0, norm="ortho")[:N_MFCC]
    delta = np.gradient(mfcc, axis=1)
    level = spec.mean(axis=0)
    parts = []
    for m in (spec, mfcc, delta):
        v = m[:, keep]
        parts += [v.mean(axis=1), v.std(axis=1)]
    lv = level[keep]
    parts.append(np.array([lv.mean(), lv.std(), np.percentile(lv, 95) - np.percentile(lv, 5)]))
    return np.concatenate(parts).astype(np.float32)


def build_svm(seed: int = 0):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale", class_weight="balanced", random_state=seed))
