"""Training for the text channel (torch only here, never at run time).

- ``python -m library.text.train``: the TF-IDF personality model alone (personality.py).
- ``python -m library.text.train.words``: words v2 — the fine-tuned encoder for emotion
  (ISEAR), its comparison with TF-IDF and the ensemble, calibration, neutral rule, and the
  per-trait personality choice (Essays); resumable, writes the models and cards.
"""

from library.text.train.personality import DESCRIPTIONS, SHIPPED_MODEL, fit_and_validate, main, train

__all__ = ["DESCRIPTIONS", "SHIPPED_MODEL", "fit_and_validate", "main", "train"]
