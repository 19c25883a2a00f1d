"""The seed project's neural design, rebuilt in Keras 3 on the torch backend.

Word2Vec (300-d, learnt on the training texts only, frozen) -> 3 x [Conv1D(128/256/512,
kernel 8) + MaxPool(2) + SpatialDropout1D(0.3) + BatchNorm] -> 3 stacked LSTM(180) ->
Dense(128) -> 5 sigmoids. Kept for the comparison in the model card; it is not shipped
(see docs/decisions.md). Keras, torch and gensim are imported inside methods so
that ``import library.text`` stays light.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from library.text.preprocess import pad_batch


class Word2VecConvLSTM(BaseEstimator):
    """Fits on normalised token strings ("word word ...") and a (N, 5) label array."""

    def __init__(self, max_len: int = 300, vector_size: int = 300, epochs: int = 12,
                 batch_size: int = 32, patience: int = 3, val_fraction: float = 0.1,
                 learning_rate: float = 1e-3, bf16: bool = True, seed: int = 0,
                 verbose: int = 0):
        self.max_len = max_len
        self.vector_size = vector_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.val_fraction = val_fraction
        self.learning_rate = learning_rate
        self.bf16 = bf16
        self.seed = seed
        self.verbose = verbose

    # -- features -------------------------------------------------------------------
    def _ids(self, texts) -> np.ndarray:
        index = self.index_
        return pad_batch(([index[w] for w in t.split() if w in index] for t in texts), self.max_len)

    def _fit_word2vec(self, texts) -> np.ndarray:
        from gensim.models import Word2Vec

        w2v = Word2Vec([t.split() for t in texts], vector_size=self.vector_size, window=5,
                       min_count=2, epochs=10, seed=self.seed, workers=2)
        words = w2v.wv.index_to_key
        self.index_ = {w: i + 1 for i, w in enumerate(words)}  # 0 = padding
        matrix = np.zeros((len(words) + 1, self.vector_size), dtype=np.float32)
        matrix[1:] = w2v.wv[words]
        return matrix

    # -- network --------------------------------------------------------------------
    def _build(self, embedding: np.ndarray):
        from library.keras_backend import keras

        # Keras' dtype policy is global; layers keep the policy they were built with, so
        # set it for the build only and restore it (no state leaks to other Keras users).
        previous = keras.mixed_precision.global_policy()
        keras.mixed_precision.set_global_policy("mixed_bfloat16" if self.bf16 else "float32")
        try:
            return self._layers(embedding)
        finally:
            keras.mixed_precision.set_global_policy(previous)

    def _layers(self, embedding: np.ndarray):
        from library.keras_backend import keras
        from keras import layers

        inputs = keras.Input(shape=(self.max_len,), dtype="int32")
        x = layers.Embedding(embedding.shape[0], embedding.shape[1], trainable=False,
                             embeddings_initializer=keras.initializers.Constant(embedding))(inputs)
        for filters in (128, 256, 512):
            x = layers.Conv1D(filters, 8, padding="same", activation="relu")(x)
            x = layers.MaxPooling1D(2)(x)
            x = layers.SpatialDropout1D(0.3)(x)
            x = layers.BatchNormalization()(x)
        x = layers.LSTM(180, return_sequences=True)(x)
        x = layers.LSTM(180, return_sequences=True)(x)
        x = layers.LSTM(180)(x)
        x = layers.Dense(128, activation="relu")(x)
        # Outputs in float32: sigmoid + cross-entropy are unstable in bf16.
        outputs = layers.Dense(5, activation="sigmoid", dtype="float32")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                      loss="binary_crossentropy", metrics=["binary_accuracy"])
        return model

    def fit(self, texts, labels):
        from library.keras_backend import keras

        keras.utils.set_random_seed(self.seed)
        labels = np.asarray(labels, dtype=np.float32)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(len(texts))
        n_val = max(1, int(round(self.val_fraction * len(texts))))
        val, train = order[:n_val], order[n_val:]
        # Word2Vec sees only the inner-training texts, never validation/test ones.
        embedding = self._fit_word2vec([texts[i] for i in train])
        X = self._ids(texts)
        self.model_ = self._build(embedding)
        stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.patience,
                                             restore_best_weights=True)
        history = self.model_.fit(X[train], labels[train], validation_data=(X[val], labels[val]),
                                  epochs=self.epochs, batch_size=self.batch_size,
                                  callbacks=[stop], verbose=self.verbose)
        self.epochs_run_ = len(history.history["loss"])
        return self

    def predict_proba(self, texts) -> np.ndarray:
        return np.asarray(self.model_.predict(self._ids(texts), batch_size=64, verbose=0),
                          dtype=np.float64)
