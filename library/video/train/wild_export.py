"""Export the trained wild model to ONNX, for serving without torch.

    python -m library.video.train.wild_export [--run checkpoints/video-v3/run] [--out Models/video]

The graph takes float32 RGB pixels 0..255 shaped (N, 112, 112, 3) (the normalisation is inside) and gives
logits (N, 7); the serving class (``library.video.model``) applies flip averaging, the temperature and the
softmax. The export is checked against torch on real crops before it is written.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from library.paths import MODELS_DIR
from library.training import log
from library.video.model import WILD_HPARAMS_FILE, WILD_ONNX_FILE
from library.video.train.wild_train import DEFAULT_OUT, WEIGHTS, build_network


def export(run: Path, out: Path, sample: np.ndarray | None = None) -> Path:
    import onnxruntime as ort
    import torch

    hp = json.loads((run / "hparams.json").read_text())
    model = build_network(hp, pretrained=False)
    model.load_state_dict(torch.load(run / WEIGHTS, weights_only=True))
    model.eval()
    size = hp["image_size"]
    out.mkdir(parents=True, exist_ok=True)
    path = out / WILD_ONNX_FILE
    tmp = path.with_suffix(".tmp.onnx")
    dummy = torch.zeros(2, size, size, 3)
    torch.onnx.export(model, (dummy,), str(tmp), input_names=["pixels"], output_names=["logits"],
                      dynamic_axes={"pixels": {0: "n"}, "logits": {0: "n"}}, opset_version=17, dynamo=False)
    if sample is None:
        sample = np.random.default_rng(0).integers(0, 256, (8, size, size, 3)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(sample.astype(np.float32))).numpy()
    session = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"])
    got = session.run(None, {"pixels": sample.astype(np.float32)})[0]
    if not np.allclose(expected, got, atol=1e-3):
        raise RuntimeError(f"ONNX export differs from torch by {np.abs(expected - got).max():.2e}")
    tmp.replace(path)
    shutil.copy(run / "hparams.json", out / WILD_HPARAMS_FILE)
    log(f"exported {path} ({path.stat().st_size / 1e6:.1f} MB), max |torch - onnx| {np.abs(expected - got).max():.1e}")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=str(DEFAULT_OUT))
    parser.add_argument("--out", default=str(MODELS_DIR / "video"))
    args = parser.parse_args(argv)
    export(Path(args.run), Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
