"""The text emotion model (ISEAR labels, mapped to the project's emotions), one job per file.

    model.py        TextEmotionModel: load / predict_proba / predict_extra / read; the label tables
    reading.py      what the page says: a reading, "unclear" or "neutral", and the words that pushed it
    blend.py        EmotionBlend, the shipped estimator: TF-IDF + the shared encoder's head, calibrated
    calibration.py  temperature scaling and ECE (softmax also at run time)
    data.py         ISEAR loading, cleaning and grouped CV folds (training, tests)
    evaluate.py     per-fold and per-class figures (training)
    card.py         the v1 model card (python -m library.text.train --v1 emotion)
    neural.py       the v1 word-CNN rival (Keras; training only, never imported at run time)

Training of the shipped model: ``python -m library.text.train`` (library/text/train/).
"""

from library.text.emotion.model import EXTRA_LABELS, ISEAR_LABELS, TO_EMOTIONS, UNSEEN_EMOTIONS, TextEmotionModel

__all__ = ["EXTRA_LABELS", "ISEAR_LABELS", "TO_EMOTIONS", "UNSEEN_EMOTIONS", "TextEmotionModel"]
