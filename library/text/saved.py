"""How both text models are kept on disk: one joblib file holding ``{"estimator", "info", ...}``, the fine-tuned
encoder's ONNX file beside it (words v2 estimators ``attach`` to it after loading)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def load_payload(path: str | Path | None, default: Path, kind: str) -> dict[str, Any]:
    """The payload of a model file (``path``: the file or its folder; None: ``default``), its estimator attached
    to the encoder beside it."""
    import joblib

    path = Path(path) if path is not None else default
    if path.is_dir():
        path = path / default.name
    if not path.is_file():
        raise FileNotFoundError(f"no {kind} at {path}; run `python -m library.text.train`")
    payload = joblib.load(path)
    if not isinstance(payload, dict) or "estimator" not in payload:
        raise ValueError(f"{path} is not a {kind} file")
    if hasattr(payload["estimator"], "attach"):  # words v2: the encoder file lies beside it
        payload["estimator"].attach(path.parent)
    return payload


def save_payload(path: str | Path, file_name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``path`` (a ``.joblib`` file, or a folder to hold ``file_name``); the file written."""
    import joblib

    path = Path(path)
    if path.suffix != ".joblib":
        path = path / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(payload, path, compress=3)
    return path
