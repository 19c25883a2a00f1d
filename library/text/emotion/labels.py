"""The text emotion model's labels and how they map onto the project's emotions: a module of its own, below the
model and its reading (reading.py), which both use them."""

from __future__ import annotations

from library.emotions import EMOTIONS

# The classifier's labels, in the order of predict_isear_proba's columns.
ISEAR_LABELS: tuple[str, ...] = ("joy", "fear", "anger", "sadness", "disgust", "shame", "guilt")
# ISEAR label -> project emotion, for the five that overlap.
TO_EMOTIONS: dict[str, str] = {"joy": "happy", "fear": "fear", "anger": "angry",
                               "sadness": "sad", "disgust": "disgust"}
# ISEAR labels with no project emotion, in the order of predict_extra's columns.
EXTRA_LABELS: tuple[str, ...] = ("shame", "guilt")
# Project emotions ISEAR never labels: always probability 0 from this model.
UNSEEN_EMOTIONS: tuple[str, ...] = tuple(e for e in EMOTIONS if e not in TO_EMOTIONS.values())
