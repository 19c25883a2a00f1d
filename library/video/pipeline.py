"""Frame -> faces (box, 68 landmarks, aligned 48x48 crop, expression probabilities) -> typed results.

``FacePipeline`` holds the loaded models (dlib detector and shape predictor, the expression
model) and is meant to be shared; it keeps no per-stream state. Tracking across the frames
of one stream lives in a ``FaceTracker`` the caller asks for (``pipeline.tracker()``) and
passes back in, so two users' streams never mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from library.emotions import EMOTIONS
from library.video.align import align_face
from library.video.blink import eye_aspect_ratio
from library.video.faces import DetectorConfig, Face, FaceFinder, FaceTracker
from library.video.frames import FrameLimits, decode_image


class ExpressionModel(Protocol):
    def predict_proba(self, faces: np.ndarray) -> np.ndarray:
        """uint8 (N, 48, 48) -> (N, 7) probabilities in EMOTIONS order."""


@dataclass(frozen=True)
class PipelineConfig:
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    # Frames between detector runs when a tracker is used (1 = detect every frame).
    detect_every: int = 5
    frame_limits: FrameLimits = field(default_factory=FrameLimits)


@dataclass
class FaceResult:
    box: tuple[int, int, int, int]  # x, y, w, h in full-resolution pixels
    landmarks: list[tuple[int, int]]  # 68 points, dlib order
    probabilities: dict[str, float]
    dominant: str
    eye_aspect_ratio: float
    score: float = 0.0  # detector score (kept from the last detection when tracked)

    def to_dict(self) -> dict:
        return {
            "box": list(self.box),
            "landmarks": [list(p) for p in self.landmarks],
            "probabilities": dict(self.probabilities),
            "dominant": self.dominant,
            "eye_aspect_ratio": round(self.eye_aspect_ratio, 4),
            "score": round(self.score, 3),
        }


@dataclass
class FrameResult:
    t: float
    faces: list[FaceResult]  # largest first
    width: int
    height: int

    @property
    def main_face(self) -> FaceResult | None:
        """The interviewee: the largest face, if any."""
        return self.faces[0] if self.faces else None

    def to_dict(self) -> dict:
        return {"t": self.t, "width": self.width, "height": self.height,
                "faces": [f.to_dict() for f in self.faces]}


class FacePipeline:
    def __init__(self, model: ExpressionModel, config: PipelineConfig | None = None,
                 predictor_path: str | Path | None = None):
        self.model = model
        self.config = config or PipelineConfig()
        self.finder = FaceFinder(self.config.detector, predictor_path)

    def tracker(self) -> FaceTracker:
        """A fresh tracker for one stream of frames (one video, one webcam session)."""
        return FaceTracker(self.finder, self.config.detect_every)

    def faces(self, gray: np.ndarray, tracker: FaceTracker | None = None) -> list[Face]:
        return tracker.update(gray) if tracker is not None else self.finder.find(gray)

    @property
    def two_tier(self) -> bool:
        """Whether the model has a wild tier for stills and a cheaper live tier for live frames."""
        return bool(getattr(self.model, "has_wild", False))

    def classify(self, crops: np.ndarray, live: bool = False) -> np.ndarray:
        """All crops of a frame in one model call (one forward pass instead of N); ``live``: the live tier."""
        if len(crops) == 0:
            return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
        predict = self.model.predict_proba_live if live and self.two_tier else self.model.predict_proba
        probs = np.asarray(predict(crops), dtype=np.float64)
        if probs.shape != (len(crops), len(EMOTIONS)):
            raise RuntimeError(f"expression model returned shape {probs.shape}, "
                               f"expected {(len(crops), len(EMOTIONS))}")
        return probs

    def analyse_image(self, img: np.ndarray, t: float = 0.0, tracker: FaceTracker | None = None,
                      still: bool | None = None, accurate: bool | None = None) -> FrameResult:
        """Analyse one RGB or grayscale uint8 picture.

        With a tracker (a stream: a live capture, a video file) the fast live settings only. Without one, a
        picture is read as ``analyse_still`` reads it (``still`` None or True): when the live settings find no
        face, the tight-crop pass and dlib's CNN detector look again, so a photo or a face crop handed to this
        method is not "no face" for want of the slow passes. ``still=False``: a webcam frame on its own, the
        live settings only (the frame API's one-off frames).

        ``accurate``: read the faces with the model's wild tier (colour, 112 px) rather than its live tier
        (48-px gray). Default: the wild tier for a picture on its own, the live tier for a stream's frames
        (a tracker) and for a webcam frame on its own (``still=False``); an uploaded video and the frames a live summary keeps ask for the wild tier. Give the
        picture in colour for the wild tier: a gray one is read in gray.
        """
        gray = FaceFinder.to_gray(img)
        if accurate is None:  # a webcam frame (a tracker's, or still=False) is read live, a picture alone accurately
            accurate = tracker is None and still is not False
        if tracker is None and still is not False:
            return self._result(gray, self.finder.find(gray, still=True), t, img, accurate)
        return self._result(gray, self.faces(gray, tracker), t, img, accurate)

    def _result(self, gray: np.ndarray, faces: list[Face], t: float, img: np.ndarray | None = None,
                accurate: bool = True) -> FrameResult:
        if accurate and self.two_tier:
            picture = img if img is not None and img.ndim == 3 and img.shape[2] == 3 else gray
            crops = [self.model.crop(picture, f.landmarks) for f in faces]
            if picture.ndim == 2:
                crops = [np.repeat(c[:, :, None], 3, axis=2) for c in crops]
            probs = self.classify(np.stack(crops)) if crops else self.classify(np.zeros((0, 48, 48), np.uint8))
        else:
            crops = np.stack([align_face(gray, f.landmarks) for f in faces]) if faces else \
                np.zeros((0, 48, 48), dtype=np.uint8)
            probs = self.classify(crops, live=True)
        results = []
        for face, p in zip(faces, probs):
            probabilities = {e: float(v) for e, v in zip(EMOTIONS, p)}
            results.append(FaceResult(
                box=tuple(int(v) for v in face.box),
                landmarks=[(int(round(x)), int(round(y))) for x, y in face.landmarks],
                probabilities=probabilities,
                dominant=EMOTIONS[int(np.argmax(p))],
                eye_aspect_ratio=eye_aspect_ratio(face.landmarks),
                score=face.score,
            ))
        return FrameResult(t=float(t), faces=results, width=int(gray.shape[1]), height=int(gray.shape[0]))

    def analyse_jpeg(self, data: bytes, t: float = 0.0, tracker: FaceTracker | None = None) -> FrameResult:
        """Decode a JPEG/PNG frame (type checked by content, size limits applied) and analyse it."""
        return self.analyse_image(decode_image(data, self.config.frame_limits, gray=True), t, tracker)

    def largest_face_crop(self, img: np.ndarray, still: bool = False) -> np.ndarray | None:
        """Aligned 48x48 uint8 crop of the largest face (the model's exact input, for Grad-CAM);
        ``still``: found as ``analyse_still`` finds it (what the expression model is trained on)."""
        gray = FaceFinder.to_gray(img)
        faces = self.finder.find(gray, still=still)
        return align_face(gray, faces[0].landmarks) if faces else None

    def analyse_still(self, img: np.ndarray, t: float = 0.0) -> FrameResult:
        """Analyse one still picture (an upload, a photo, a face crop): like ``analyse_image`` but,
        when the live settings find no face, with the crop pass and dlib's CNN detector
        (library/video/faces.py; slower, so never on the live path)."""
        gray = FaceFinder.to_gray(img)
        return self._result(gray, self.finder.find(gray, still=True), t, img, True)
