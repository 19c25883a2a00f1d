"""Train the speech-emotion model on RAVDESS (train actors 01-16, validate 17-20) and write its card.

    python -m library.audio.train [--data-dir D] [--out Models/audio] [--epochs N] [--threads 1]
                                  [--resume] [--stop-after N] [--smoke]

Steps: decode the clips (in memory) -> SVM baseline on the same split -> the network,
one freshly augmented copy of every training clip per epoch -> evaluate the *last* epoch
(not the best one: picking the best of many epochs on 240 clips would flatter it) through
the same code path the app uses -> export the float32 model + card + confusion matrix.

Every epoch writes ``<checkpoint-dir>/last.weights.h5``, ``optimizer.npz`` and
``state.json``; ``--resume`` continues the same plan (augmentation, order and dropout seeds
come from (seed, epoch); the LR schedule from the optimizer's step counter). Two fresh runs
are bit-identical; a resumed one is not quite (weights ~1e-3 apart after one resumed epoch of
the smoke net; cause not found), see tests/test_audio_model.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from library.audio import data as D
from library.audio.features import FeatureConfig
from library.audio.model import AudioModelConfig, build_model
from library.emotions import EMOTIONS
from library.paths import MODELS_DIR, PROJECT_ROOT, default_data_dir
from library.training import atomic_write_text as _atomic_write_text
from library.training import classification_metrics, load_checkpoint, save_checkpoint
from library.training import log as _log
from library.training import seed_dropout as _seed_dropout

MODEL_FILE = "speech_emotion.keras"
META_FILE = "speech_emotion.json"


@dataclass
class TrainConfig:
    model: dict = field(default_factory=lambda: AudioModelConfig().to_dict())
    features: dict = field(default_factory=lambda: FeatureConfig().to_dict())
    augment: dict = field(default_factory=lambda: dataclasses.asdict(D.AugmentConfig()))
    epochs: int = 45
    batch_size: int = 16  # more updates per epoch: the net underfits, not overfits, at 32 (docs/decisions.md)
    lr: float = 2e-3
    warmup_epochs: int = 2
    weight_decay: float = 0.05
    label_smoothing: float = 0.05
    mixed_bfloat16: bool = True
    seed: int = 20261123
    train_actors: tuple = D.TRAIN_ACTORS
    val_actors: tuple = D.VAL_ACTORS
    clips_per_actor: int | None = None  # smoke runs: a few clips of each actor
    members: int = 1  # nets trained with different seeds and averaged into one model file


def _subset(clips: list[D.Clip], per_actor: int | None, seed: int) -> list[D.Clip]:
    if not per_actor:
        return clips
    rng = np.random.default_rng(seed)
    out = []
    for actor in sorted({c.actor for c in clips}):
        mine = [c for c in clips if c.actor == actor]
        out += [mine[i] for i in sorted(rng.permutation(len(mine))[:per_actor])]
    return out


def _compile(model, cfg: TrainConfig, steps_per_epoch: int):
    from library.keras_backend import keras

    total = max(1, cfg.epochs * steps_per_epoch)
    warm = min(cfg.warmup_epochs * steps_per_epoch, total - 1)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=cfg.lr / 20, decay_steps=total - warm, alpha=0.0,
        warmup_target=cfg.lr, warmup_steps=warm)
    opt = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=cfg.weight_decay)
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=cfg.label_smoothing)
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
    opt.build(model.trainable_variables)


def evaluate_waves(engine, waves: list[np.ndarray]) -> np.ndarray:
    """(N, 7) whole-clip probabilities through the app's own path (SpeechEmotionModel.predict_proba)."""
    return np.stack([engine.clip_proba(engine.prepare(w)) for w in waves])


def run_baseline(tr_waves, tr_y, va_waves, va_y, seed: int) -> dict:
    from library.audio.baseline import build_svm, utterance_features

    t0 = time.perf_counter()
    xtr = np.stack([utterance_features(w) for w in tr_waves])
    xva = np.stack([utterance_features(w) for w in va_waves])
    svm = build_svm(seed).fit(xtr, tr_y)
    pred = svm.predict(xva)
    onehot = np.eye(len(EMOTIONS))[pred]
    out = classification_metrics(onehot, va_y)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def export_model(models: list, model_cfg: AudioModelConfig, out_dir: Path, meta: dict) -> Path:
    """Save a float32, uncompiled copy (no optimizer state); several members -> one averaging model."""
    from library.audio.model import build_ensemble

    out_dir.mkdir(parents=True, exist_ok=True)
    if len(models) == 1:
        clean = build_model(model_cfg, dtype_policy=None)
        clean.set_weights(models[0].get_weights())
    else:
        clean = build_ensemble(model_cfg, len(models))
        for k, m in enumerate(models):
            clean.get_layer(f"member{k}").set_weights(m.get_weights())
    path = out_dir / MODEL_FILE
    tmp = out_dir / ("tmp_" + MODEL_FILE)
    clean.save(tmp)
    os.replace(tmp, path)
    meta = dict(meta, params=int(clean.count_params()), file_bytes=path.stat().st_size, model_config=model_cfg.to_dict())
    _atomic_write_text(out_dir / META_FILE, json.dumps(meta, indent=2))
    return path


@dataclass
class _Data:
    source: D.AugmentedSource
    tr_y: np.ndarray
    va_waves: list
    va_y: np.ndarray
    cw: np.ndarray


def _fit_member(cfg: TrainConfig, k: int, data: _Data, feat: FeatureConfig, model_cfg: AudioModelConfig,
                ckpt_dir: Path, stop_after: int | None, extra_state: dict):
    """Train (or continue) member ``k`` (seed = cfg.seed + 1000 k) in ``ckpt_dir``; returns (state, model)."""
    from library.audio.engine import SpeechEmotionModel
    from library.keras_backend import keras

    seed = cfg.seed + 1000 * k
    keras.utils.set_random_seed(seed)
    state_path = ckpt_dir / "state.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else None
    steps = int(np.ceil(len(data.tr_y) / cfg.batch_size))
    model = build_model(model_cfg, dtype_policy="mixed_bfloat16" if cfg.mixed_bfloat16 else None)
    _compile(model, cfg, steps)
    if state is not None:
        load_checkpoint(ckpt_dir, model)
        _log(f"member {k}: resumed after epoch {state['epoch']}")
    else:
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        state = {"epoch": 0, "train_seconds": 0.0, "history": [], "seed": seed, "config": dataclasses.asdict(cfg),
                 **extra_state}
    infer = build_model(model_cfg, dtype_policy=None)  # float32 twin for validation = what ships
    engine = SpeechEmotionModel(infer, feat)
    y_onehot = np.eye(len(EMOTIONS), dtype=np.float32)
    last = cfg.epochs if stop_after is None else min(cfg.epochs, state["epoch"] + stop_after)
    for epoch in range(state["epoch"], last):
        t0 = time.perf_counter()
        rng = np.random.default_rng([seed, epoch])
        x = data.source.epoch(rng)
        order = rng.permutation(len(x))
        aug_s = time.perf_counter() - t0
        _seed_dropout(model, seed, epoch)
        y = data.tr_y[order]
        hist = model.fit(x[order], y_onehot[y], sample_weight=data.cw[y], batch_size=cfg.batch_size,
                         epochs=1, shuffle=False, verbose=0)
        infer.set_weights(model.get_weights())
        proba = evaluate_waves(engine, data.va_waves)
        val_acc = float((proba.argmax(1) == data.va_y).mean())
        val_loss = float(-np.log(np.clip(proba[np.arange(len(data.va_y)), data.va_y], 1e-7, 1)).mean())
        epoch_s = time.perf_counter() - t0
        rec = {"epoch": epoch + 1, "loss": float(hist.history["loss"][-1]), "acc": float(hist.history["accuracy"][-1]),
               "val_loss": round(val_loss, 4), "val_acc": round(val_acc, 4), "augment_s": round(aug_s, 1),
               "epoch_s": round(epoch_s, 1)}
        state["history"].append(rec)
        state["epoch"] = epoch + 1
        state["train_seconds"] += epoch_s
        save_checkpoint(ckpt_dir, model, state)
        _log(f"member {k} epoch {epoch + 1}/{cfg.epochs} loss {rec['loss']:.4f} acc {rec['acc']:.4f} "
             f"val_loss {val_loss:.4f} val_acc {val_acc:.4f} ({aug_s:.0f}s augment, {epoch_s:.0f}s total)")
    return state, model


def train(cfg: TrainConfig, data_dir: Path, out_dir: Path, ckpt_dir: Path, *, resume: bool = False,
          stop_after: int | None = None, command: str = "", baseline: bool = True,
          members: int | None = None) -> dict:
    """Train ``cfg.members`` nets (member 0 in ``ckpt_dir``, member k in ``ckpt_dir/member<k>``),
    export them (averaged when several) and write the card."""
    import torch

    from library.audio.engine import SpeechEmotionModel

    wall0 = time.perf_counter()
    state_path = ckpt_dir / "state.json"
    if resume and state_path.is_file():
        cfg = TrainConfig(**json.loads(state_path.read_text())["config"])  # the saved plan wins ...
        cfg.members = members or cfg.members  # ... except the number of members: more can be added
    elif resume:
        _log(f"no checkpoint in {ckpt_dir}; starting fresh")
    elif state_path.is_file():
        raise SystemExit(f"{ckpt_dir} holds a run already: pass --resume, or remove it / use --checkpoint-dir")
    feat = FeatureConfig.from_dict(cfg.features)
    model_cfg = AudioModelConfig.from_dict(cfg.model)
    aug = D.AugmentConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in cfg.augment.items()})

    tr_clips = _subset(D.list_clips(data_dir, tuple(cfg.train_actors)), cfg.clips_per_actor, cfg.seed)
    va_clips = _subset(D.list_clips(data_dir, tuple(cfg.val_actors)), cfg.clips_per_actor, cfg.seed + 1)
    t0 = time.perf_counter()
    tr_waves, va_waves = D.load_waves(tr_clips), D.load_waves(va_clips)
    tr_y = np.array([c.label for c in tr_clips])
    va_y = np.array([c.label for c in va_clips])
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    data = _Data(D.AugmentedSource(tr_waves, feat, aug), tr_y, va_waves, va_y, D.class_weights(tr_y))
    _log(f"train {len(tr_clips)} clips (actors {cfg.train_actors[0]}-{cfg.train_actors[-1]}), val {len(va_clips)} "
         f"(actors {cfg.val_actors[0]}-{cfg.val_actors[-1]}), decoded in {load_s:.1f} s; mel spectrograms at "
         f"{len(aug.speeds)} speeds in {time.perf_counter() - t0:.1f} s; class weights "
         f"{np.round(data.cw, 2).tolist()}; torch threads {torch.get_num_threads()}")
    _log(f"model {model_cfg.name}, {cfg.members} member(s); segment {feat.segment_seconds:.2f} s = "
         f"{feat.windows} windows x {feat.window_frames} frames x {feat.n_mels} mels")

    extra = {}
    if baseline and not state_path.is_file():
        extra["baseline"] = run_baseline(tr_waves, tr_y, va_waves, va_y, cfg.seed)
        _log(f"baseline SVM: val accuracy {extra['baseline']['accuracy']:.4f} ({extra['baseline']['seconds']} s)")

    states, models = [], []
    remaining = stop_after
    for k in range(cfg.members):
        state, model = _fit_member(cfg, k, data, feat, model_cfg, ckpt_dir if k == 0 else ckpt_dir / f"member{k}",
                                   remaining, extra if k == 0 else {})
        states.append(state)
        models.append(model)
        if state["epoch"] < cfg.epochs:
            _log(f"stopped: member {k} after epoch {state['epoch']} of {cfg.epochs}; continue with --resume")
            return state
    # each member alone, then what ships (their average), through the app's own code path
    member_acc = []
    for k, m in enumerate(models):
        single = build_model(model_cfg, dtype_policy=None)
        single.set_weights(m.get_weights())
        p = evaluate_waves(SpeechEmotionModel(single, feat), va_waves)
        member_acc.append(round(float((p.argmax(1) == va_y).mean()), 4))
    path = export_model(models, model_cfg, out_dir, {})
    shipped = SpeechEmotionModel.load(path)
    proba = evaluate_waves(shipped, va_waves)
    result = classification_metrics(proba, va_y)
    intens = np.array([c.intensity for c in va_clips])
    result["accuracy_by_intensity"] = {name: float((proba.argmax(1)[intens == i] == va_y[intens == i]).mean())
                                       for i, name in ((1, "normal"), (2, "strong")) if (intens == i).any()}
    train_seconds = sum(s["train_seconds"] for s in states)
    meta = {
        "name": "speech_emotion", "epochs": states[0]["epoch"], "features": feat.to_dict(),
        "train_config": dataclasses.asdict(cfg), "train_clips": len(tr_clips), "val_clips": len(va_clips),
        "train_seconds": round(train_seconds, 1), "val": result, "baseline": states[0].get("baseline"),
        "members": [{"seed": s.get("seed", cfg.seed + 1000 * k), "val_accuracy": a, "train_seconds": round(s["train_seconds"], 1)}
                    for k, (s, a) in enumerate(zip(states, member_acc))],
        "history": states[0]["history"], "command": command, "torch_threads": torch.get_num_threads(),
    }
    export_model(models, model_cfg, out_dir, meta)
    _log(f"done: val accuracy {result['accuracy']:.4f} (macro F1 {result['macro_f1']:.4f}; members {member_acc}); "
         f"{train_seconds / 60:.1f} min of training; exported {path}")
    from library.audio.card import write_card

    write_card(out_dir, json.loads((out_dir / META_FILE).read_text()), data_dir,
               wall_seconds=time.perf_counter() - wall0)
    return states[0]


def smoke_config() -> TrainConfig:
    """A tiny net, 2 epochs, 3 clips per actor: proves the whole pipeline in well under a minute."""
    return TrainConfig(model=AudioModelConfig(filters=(4, 8, 8, 8), lstm_units=(8, 8), name="lflb_lstm_tiny").to_dict(),
                       epochs=2, batch_size=16, warmup_epochs=0, clips_per_actor=3)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="folder holding ravdess/ (default: shared data)")
    ap.add_argument("--out", type=Path, default=MODELS_DIR / "audio")
    ap.add_argument("--checkpoint-dir", type=Path, default=None,
                    help="default: checkpoints/audio (smoke: <out>/checkpoints)")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--members", type=int, default=None, help="nets (seeds) averaged into the shipped model")
    ap.add_argument("--no-bf16", action="store_true", help="train in float32")
    ap.add_argument("--no-baseline", action="store_true", help="skip the SVM baseline")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--stop-after", type=int, default=None, metavar="N")
    ap.add_argument("--smoke", action="store_true", help="tiny net, 2 epochs, 3 clips per actor (CI)")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help="override a TrainConfig field, e.g. batch_size=16 or model.dropout=0.2 or augment.noise_prob=0.5")
    a = ap.parse_args(argv)
    if a.threads:
        import torch

        torch.set_num_threads(a.threads)
    cfg = smoke_config() if a.smoke else TrainConfig()
    for name in ("epochs", "lr", "seed", "members"):
        if getattr(a, name) is not None:
            setattr(cfg, name, getattr(a, name))
    if a.no_bf16:
        cfg.mixed_bfloat16 = False
    for item in a.set:
        key, _, value = item.partition("=")
        head, _, sub = key.partition(".")
        if not hasattr(cfg, head) or (sub and sub not in getattr(cfg, head)):
            ap.error(f"--set: unknown field {key}")
        if sub:
            getattr(cfg, head)[sub] = json.loads(value)
        else:
            setattr(cfg, head, json.loads(value))
    ckpt = a.checkpoint_dir or ((a.out / "checkpoints") if a.smoke else PROJECT_ROOT / "checkpoints" / "audio")
    data_dir = a.data_dir or default_data_dir()
    command = "python -m library.audio.train " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    _log(f"argv: {command}")
    train(cfg, data_dir, a.out, ckpt, resume=a.resume, stop_after=a.stop_after, command=command.strip(),
          baseline=not a.no_baseline, members=a.members)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
