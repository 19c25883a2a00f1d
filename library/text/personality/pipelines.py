"""The scikit-learn models compared for the text channel, built by name.

Each pipeline takes raw texts and a (N, 5) label array, and its ``predict_proba``
returns a list of five (N, 2) arrays (MultiOutputClassifier); PersonalityModel
turns that into (N, 5). The first step, ``normalise``, is stateless, so
cross-validation may apply it once to all texts (see evaluate.py).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from library.text.preprocess import TextNormaliser

# Inner-CV grid for per-trait C; wide and coarse on purpose (few essays, noisy labels).
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


class Normalise(BaseEstimator, TransformerMixin):
    """Texts -> normalised token strings ("word word word"); stateless."""

    stateless = True

    def __init__(self, drop_stopwords: bool = False, lemmatise: bool = False):
        self.drop_stopwords = drop_stopwords
        self.lemmatise = lemmatise

    def fit(self, texts, y=None):
        return self

    def transform(self, texts):
        normaliser = TextNormaliser(self.drop_stopwords, self.lemmatise)
        return [" ".join(normaliser(t)) for t in texts]


class MeanWord2Vec(BaseEstimator, TransformerMixin):
    """Average of Word2Vec vectors, the vectors learnt on the training texts only."""

    def __init__(self, vector_size: int = 300, window: int = 5, min_count: int = 2,
                 epochs: int = 10, seed: int = 0, workers: int = 2):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.epochs = epochs
        self.seed = seed
        self.workers = workers

    def fit(self, texts, y=None):
        from gensim.models import Word2Vec

        sentences = [t.split() for t in texts]
        w2v = Word2Vec(sentences, vector_size=self.vector_size, window=self.window,
                       min_count=self.min_count, epochs=self.epochs, seed=self.seed,
                       workers=self.workers)
        self.vectors_ = w2v.wv
        return self

    def transform(self, texts):
        out = np.zeros((len(texts), self.vector_size), dtype=np.float32)
        for i, text in enumerate(texts):
            words = [w for w in text.split() if w in self.vectors_.key_to_index]
            if words:
                out[i] = self.vectors_[words].mean(axis=0)
        return out


def _word_tfidf(ngram_range=(1, 1)) -> TfidfVectorizer:
    # token_pattern \S+: the text is already tokenised by Normalise.
    return TfidfVectorizer(token_pattern=r"\S+", ngram_range=ngram_range, min_df=2,
                           sublinear_tf=True, dtype=np.float32)


def _lr(C: float = 1.0) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=2000)


def _lr_cv(seed: int = 0) -> LogisticRegressionCV:
    # Per-trait C chosen by inner 5-fold CV on the training fold only.
    # l1_ratios/use_legacy_attributes: plain L2, and silence sklearn 1.9's transition warnings.
    return LogisticRegressionCV(Cs=list(C_GRID), cv=5, max_iter=2000, scoring="accuracy",
                                l1_ratios=(0.0,), use_legacy_attributes=False)


def build_pipeline(name: str, seed: int = 0) -> Pipeline:
    """A fresh, unfitted pipeline for one of MODEL_NAMES."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown text model {name!r}; choose from {sorted(_BUILDERS)}")
    return _BUILDERS[name](seed)


_BUILDERS = {
    # Unigram TF-IDF + LR on lightly normalised text (stop words kept, no lemmas).
    "tfidf_lr": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=False, lemmatise=False)),
        ("features", _word_tfidf()),
        ("clf", MultiOutputClassifier(_lr())),
    ]),
    # Same on lemmatised text, stop words kept: measures the lemmatiser alone.
    "tfidf_lemma_lr": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=False, lemmatise=True)),
        ("features", _word_tfidf()),
        ("clf", MultiOutputClassifier(_lr())),
    ]),
    # Content words only (stop words dropped), with / without lemmas.
    "tfidf_content_lr": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=True, lemmatise=False)),
        ("features", _word_tfidf()),
        ("clf", MultiOutputClassifier(_lr())),
    ]),
    "tfidf_content_lemma_lr": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=True, lemmatise=True)),
        ("features", _word_tfidf()),
        ("clf", MultiOutputClassifier(_lr())),
    ]),
    # Word 1-2 grams + character 2-5 grams (within words).
    "word_char_lr": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=False, lemmatise=False)),
        ("features", FeatureUnion([
            ("words", _word_tfidf((1, 2))),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3,
                                      sublinear_tf=True, max_features=200_000,
                                      dtype=np.float32)),
        ])),
        ("clf", MultiOutputClassifier(_lr())),
    ]),
    # Unigram TF-IDF, C per trait by inner CV.
    "tfidf_lrcv": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=False, lemmatise=False)),
        ("features", _word_tfidf()),
        ("clf", MultiOutputClassifier(_lr_cv(seed))),
    ]),
    # Averaged Word2Vec (trained on the fold) + LR with C per trait by inner CV.
    "w2v_mean_lrcv": lambda seed: Pipeline([
        ("normalise", Normalise(drop_stopwords=True, lemmatise=True)),
        ("features", MeanWord2Vec(seed=seed)),
        ("scale", StandardScaler()),
        ("clf", MultiOutputClassifier(_lr_cv(seed))),
    ]),
}
MODEL_NAMES = tuple(_BUILDERS)
