"""Training for the text channel (torch only here, never at run time).

``python -m library.text.train`` trains the shipped pair, words v2 (``recipe``): the fine-tuned encoder with
emotion (ISEAR) and the per-trait Big Five (Essays). ``--v1 personality`` and ``--v1 emotion`` train the v1
TF-IDF models, kept for comparison (they write under tmp/).

    recipe         prepare -> train -> evaluate -> card (hyperparameters in words_hparams.json, saved beside the models)
    words          ISEAR deduplicated and folded; the resumable stages: TF-IDF and encoder folds, final encoder, essays
    finetune       the encoder's fine-tuning and its int8 ONNX export
    essays         the essays the recipe reads (the smoke run's fixed subset)
    ship           evaluate (compare, calibrate, choose, neutral rule, personality per trait) and write the models
    neutral        plain passages that measure the neutral rule
    card           the two model cards
    personality    v1: the TF-IDF-only Big Five model (``--compare`` runs compare.py, every personality model on the same folds)
    emotion        v1: the TF-IDF text emotion model and its word-CNN rival
"""
