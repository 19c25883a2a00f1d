"""The neural rival for text emotion: a small word CNN in Keras 3 on torch.

Kim (2014)-style: word embeddings learnt from scratch on the training fold -> Conv1D with
kernel widths 3/4/5 (64 filters each) -> global max-pool -> dropout -> softmax over the
ISEAR labels. Chosen because it is cheap on one CPU thread (~1 s per epoch on ~4,800
short answers) and reads word order, which the TF-IDF baseline cannot; pre-trained vectors
would need a download the project cannot make offline. Kept for the comparison in the
model card (see docs/decisions.md). Keras/torch are imported inside methods so that
``import library.text`` stays light.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from library.text.preprocess import pad_batch, tokenize


class WordCNN(BaseEstimator, ClassifierMixin):
    """Fits on raw texts and string labels; ``predict_proba`` columns follow ``classes_``."""

    def __init__(self, max_len: int = 64, min_count: int = 2, embed_dim: int = 100,
                 filters: int = 64, kernels: tuple[int, ...] = (3, 4, 5), dropout: float = 0.5,
                 epochs: int = 20, batch_size: int = 32, patience: int = 2,
                 val_fraction: float = 0.1, learning_rate: float = 1e-3, seed: int = 0,
                 verbose: int = 0):
        self.max_len = max_len
        self.min_count = min_count
        self.embed_dim = embed_dim
        self.filters = filters
        self.kernels = kernels
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.val_fraction = val_fraction
        self.learning_rate = learning_rate
        self.seed = seed
        self.verbose = verbose

    # -- features -------------------------------------------------------------------
    def _ids(self, texts) -> np.ndarray:
        index = self.index_
        return pad_batch(([index[w] for w in tokenize(t) if w in index] for t in texts), self.max_len)

    def _fit_vocabulary(self, texts) -> None:
        counts = Counter(w for t in texts for w in tokenize(t))
        words = sorted(w for w, c in counts.items() if c >= self.min_count)
        self.index_ = {w: i + 1 for i, w in enumerate(words)}  # 0 = padding

    # -- network --------------------------------------------------------------------
    def _build(self, n_classes: int):
        from library.keras_backend import keras
        from keras import layers

        inputs = keras.Input(shape=(self.max_len,), dtype="int32")
        x = layers.Embedding(len(self.index_) + 1, self.embed_dim)(inputs)
        x = layers.Dropout(0.2)(x)
        pooled = [layers.GlobalMaxPooling1D()(layers.Conv1D(self.filters, k, activation="relu")(x))
                  for k in self.kernels]
        x = layers.Concatenate()(pooled) if len(pooled) > 1 else pooled[0]
        x = layers.Dropout(self.dropout)(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def _inner_split(self, texts) -> tuple[np.ndarray, np.ndarray]:
        # Early-stopping split by distinct text, so a duplicated answer cannot sit on both
        # sides and make the validation loss look better than it is.
        keys = [" ".join(tokenize(t)) for t in texts]
        distinct = sorted(set(keys))
        rng = np.random.default_rng(self.seed)
        n_val = max(1, int(round(self.val_fraction * len(distinct))))
        val_keys = {distinct[i] for i in rng.permutation(len(distinct))[:n_val]}
        is_val = np.array([k in val_keys for k in keys])
        return np.flatnonzero(~is_val), np.flatnonzero(is_val)

    def fit(self, texts, labels):
        from library.keras_backend import keras

        keras.utils.set_random_seed(self.seed)
        texts = list(texts)
        self.classes_, y = np.unique(np.asarray(labels), return_inverse=True)
        train, val = self._inner_split(texts)
        # The vocabulary sees only the inner-training texts, never validation/test ones.
        self._fit_vocabulary([texts[i] for i in train])
        X = self._ids(texts)
        self.model_ = self._build(len(self.classes_))
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.patience,
                                             restore_best_weights=True)
        history = self.model_.fit(X[train], y[train], validation_data=(X[val], y[val]),
                                  epochs=self.epochs, batch_size=self.batch_size,
                                  callbacks=[stop], verbose=self.verbose)
        self.epochs_run_ = len(history.history["loss"])
        return self

    # Pickle the weights, not the Keras model, so joblib can save a fitted WordCNN.
    def __getstate__(self):
        state = dict(self.__dict__)
        model = state.pop("model_", None)
        if model is not None:
            state["weights_"] = model.get_weights()
        return state

    def __setstate__(self, state) -> None:
        weights = state.pop("weights_", None)
        self.__dict__.update(state)
        if weights is not None:
            self.model_ = self._build(len(self.classes_))
            self.model_.set_weights(weights)

    def predict_proba(self, texts) -> np.ndarray:
        return np.asarray(self.model_.predict(self._ids(list(texts)), batch_size=256, verbose=0),
                          dtype=np.float64)

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]
