"""Training for the text channel (torch only here, never at run time).

- ``python -m library.text.train.words``: words v2, the shipped pair — the fine-tuned encoder for emotion
  (ISEAR), its comparison with TF-IDF and the ensemble, calibration, neutral rule, and the per-trait
  personality choice (Essays); resumable, writes the models and cards (words.py, finetune.py, ship.py,
  neutral.py, card.py).
- ``python -m library.text.train``: the v1 TF-IDF personality model alone (personality.py; ``--compare``
  runs compare.py, every personality model on the same folds).
- ``python -m library.text.train.emotion``: the v1 TF-IDF text emotion model and its word-CNN rival.
"""

from library.text.train.personality import DESCRIPTIONS, SHIPPED_MODEL, fit_and_validate, main, train

__all__ = ["DESCRIPTIONS", "SHIPPED_MODEL", "fit_and_validate", "main", "train"]
