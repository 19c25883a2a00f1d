"""The Big Five personality model (Essays corpus), one job per file.

    model.py      PersonalityModel: load / predict_proba, (N, 5) in TRAITS order
    traits.py     the five traits, in the order every array uses
    blend.py      PersonalityBlend, the shipped estimator: per trait TF-IDF, the shared encoder's
                  embedding, or both
    pipelines.py  the scikit-learn pipelines compared (the TF-IDF part of the blend is one of them)
    data.py       Essays loading, the fixed hold-out split and CV folds (training, tests)
    evaluate.py   per-trait accuracy, confusion counts, cross-validation (training)
    card.py       the v1 model card (python -m library.text.train --v1 personality)
    neural.py     the seed project's Word2Vec + CNN/LSTM rival (Keras; training only)

Training of the shipped model: ``python -m library.text.train`` (library/text/train/).
"""

from library.text.personality.model import PersonalityModel
from library.text.personality.traits import TRAITS

__all__ = ["TRAITS", "PersonalityModel"]
