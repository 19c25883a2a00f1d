"""Every channel trains the same way: ``python -m library.<channel>.train`` is its shipped model's recipe, with
a smoke run for CI, an output folder and a hyperparameter file. (The smoke runs themselves, which check that the hyperparameters
are saved beside the output, are in each channel's training tests: they read the corpora and take minutes.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from library.paths import PROJECT_ROOT
from library.registry import CHANNEL_NAMES


@pytest.mark.parametrize("channel", CHANNEL_NAMES)
def test_each_channel_has_a_training_entry_point(channel):
    done = subprocess.run([sys.executable, "-m", f"library.{channel}.train", "--help"], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for option in ("--data-dir", "--out", "--smoke", "--hparams"):
        assert option in done.stdout, (channel, option)


def test_text_hyperparameters_smoke_overrides_and_a_resume_must_keep_them(tmp_path):
    from library.text.train.recipe import keep_hparams, load_hparams

    hp, smoke = load_hparams(), load_hparams(smoke=True)
    assert hp["encoder"]["max_steps"] is None and smoke["encoder"]["max_steps"] == 2
    assert smoke["personality"]["encoder_head_folds"] == 2 and hp["personality"]["encoder_head_folds"] == 5
    keep_hparams(tmp_path, smoke)
    keep_hparams(tmp_path, load_hparams(smoke=True))  # the same ones: the run resumes
    with pytest.raises(SystemExit, match="other hyperparameters"):
        keep_hparams(tmp_path, hp)


def test_text_v1_trainers_stay_reachable_by_a_flag():
    from library.text.train.recipe import main

    with pytest.raises(SystemExit, match="--v1 is one of personality, emotion"):
        main(["--v1", "nonsense"])


def test_text_hyperparameter_file_holds_the_values_the_shipped_encoder_was_fine_tuned_with():
    import inspect

    from library.text.train.finetune import fine_tune
    from library.text.train.recipe import load_hparams

    defaults = {name: p.default for name, p in inspect.signature(fine_tune).parameters.items()
                if p.default is not inspect.Parameter.empty and name != "log"}
    assert load_hparams()["encoder"] == defaults
