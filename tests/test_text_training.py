"""Training the v1 TF-IDF personality model (its pipeline is the TF-IDF part of words v2's Big Five): a smoke run,
and an accuracy floor on the fixed hold-out split."""

from __future__ import annotations

import json

import numpy as np
import pytest

from library.text import TRAITS, PersonalityModel
from library.text.personality.data import essays_path, holdout_split, load_essays

pytestmark = pytest.mark.skipif(
    not essays_path().is_file(),
    reason=f"essays corpus not found at {essays_path()} (set ESAPR_DATA_DIR to run training tests)",
)


@pytest.mark.slow  # a training's smoke run
def test_smoke_training_writes_a_loadable_model(tmp_path):
    from library.text.train.recipe import main  # the v1 TF-IDF model, reached through the channel's entry point

    assert main(["--v1", "personality", "--smoke", "--out", str(tmp_path)]) == 0
    for name in ("personality.joblib", "personality.md", "confusion.json", "validation.json"):
        assert (tmp_path / name).is_file(), name
    model = PersonalityModel.load(tmp_path)
    assert model.info["smoke"] is True
    proba = model.predict_proba(["I like long walks and quiet evenings with a good book."] * 2)
    assert proba.shape == (2, 5) and np.all((proba >= 0) & (proba <= 1))
    card = (tmp_path / "personality.md").read_text()
    assert "SMOKE RUN" in card and "TN" in card
    assert "`python -m library.text.train --v1 personality --smoke --out" in card
    confusion = json.loads((tmp_path / "confusion.json").read_text())
    assert set(confusion) == set(TRAITS)


def test_holdout_split_is_fixed_and_disjoint():
    _, labels = load_essays()
    train, val = holdout_split(labels)
    train2, val2 = holdout_split(labels)
    assert np.array_equal(val, val2) and np.array_equal(train, train2)
    assert not set(train) & set(val) and len(train) + len(val) == len(labels)
    assert abs(len(val) / len(labels) - 0.2) < 0.01
    # stratified: every trait keeps its share of "high" within 3 points
    assert np.all(np.abs(labels[val].mean(0) - labels[train].mean(0)) < 0.03)


def test_shipped_pipeline_beats_accuracy_floor_on_validation():
    from library.text.train.personality import SHIPPED_MODEL, fit_and_validate

    texts, labels = load_essays()
    _, validation = fit_and_validate(texts, labels, SHIPPED_MODEL)
    assert validation["n_val"] == 395
    assert validation["mean_accuracy"] >= 0.55, validation["accuracy"]
    # no trait may be at or below chance
    assert min(validation["accuracy"].values()) > 0.5, validation["accuracy"]
