"""One live frame -> its analysis and the derived sample a capture session keeps."""

from __future__ import annotations

from typing import Any

import numpy as np

from library.emotions import EMOTIONS
from library.video.align import align_face
from library.video.frames import FrameLimits, decode_image
from library.video.faces import FaceTracker
from library.video.pipeline import FacePipeline, FrameResult
from library.video.summary import frame_sample, gradcam_view


def analyse_live_frame(pipeline: FacePipeline, data: bytes, t: float, with_gradcam: bool = False,
                       limits: FrameLimits | None = None,
                       tracker: FaceTracker | None = None) -> tuple[FrameResult, dict[str, Any]]:
    """Decode (in memory, within ``limits`` or the pipeline's), find faces (with ``tracker``: follow the
    capture's faces, detecting only every few frames), classify; optionally add a Grad-CAM view of the main face.

    The frame's pixels never leave this function: the sample holds probabilities,
    the eye aspect ratio and, at most, a coarse heat grid with landmark positions.
    """
    gray = decode_image(data, limits or pipeline.config.frame_limits, gray=True)
    frame = pipeline.analyse_image(gray, t, tracker, still=False)  # a webcam frame: never the slow passes
    sample = frame_sample(frame)
    face = frame.main_face
    if with_gradcam and face is not None and hasattr(pipeline.model, "grad_cam"):
        landmarks = np.asarray(face.landmarks, dtype=np.float64)
        heat = pipeline.model.grad_cam(align_face(gray, landmarks))
        sample["gradcam"] = gradcam_view(heat, landmarks, face.dominant, face.probabilities[face.dominant], t)
    return frame, sample


def best_gradcam(samples: list[tuple[float, dict[str, Any]]]) -> dict[str, Any] | None:
    """The stored Grad-CAM view whose prediction was most confident: the session's clearest frame."""
    views = [s["gradcam"] for _, s in samples if s.get("gradcam")]
    return max(views, key=lambda v: v["probability"]) if views else None


def session_tracker(pipeline: FacePipeline, state: dict[str, Any] | None) -> FaceTracker:
    """The capture session's tracker, continued from the state its previous frame left in the session row."""
    return pipeline.tracker().restore(state)


class GradCamPicker:
    """Grad-CAM views of every ``every``-th frame with a face of a stream (an uploaded video), keeping the most
    confident one, as a live capture keeps its clearest frame's. Use as ``analyse_video(on_frame=picker)``."""

    def __init__(self, pipeline: FacePipeline, every: int = 10):
        self.pipeline, self.every = pipeline, max(1, every)
        self.best: dict[str, Any] | None = None
        self._faces = 0

    def __call__(self, gray: np.ndarray, frame: FrameResult) -> None:
        face = frame.main_face
        if face is None or not hasattr(self.pipeline.model, "grad_cam"):
            return
        self._faces += 1
        if (self._faces - 1) % self.every:
            return
        landmarks = np.asarray(face.landmarks, dtype=np.float64)
        # The live tier's map for the class the frame was read as (an upload's frames are read by the wild tier).
        heat = self.pipeline.model.grad_cam(align_face(gray, landmarks), EMOTIONS.index(face.dominant))
        view = gradcam_view(heat, landmarks, face.dominant, face.probabilities[face.dominant], frame.t)
        if self.best is None or view["probability"] > self.best["probability"]:
            self.best = view
