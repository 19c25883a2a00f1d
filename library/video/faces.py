"""Face detection (dlib HOG) and 68-point landmarks (dlib shape predictor), plus a cheap tracker.

Why dlib's HOG detector: it needs no GPU, no extra model download (the detector is built into
dlib; the landmark model ships in ``face-recognition-models``) and, on a downscaled frame, runs
in ~10 ms per 640x480 frame on one core. Measured choices (see docs/decisions.md):

* the detector runs on the frame downscaled to ``detect_width`` (400 px) with no upsampling;
  boxes are mapped back to full resolution;
* a score threshold of 0.5 rejects the astronaut photo's mission patch (scores -0.02..0.27
  over widths 352..512) while the real face scores >= 1.1 there;
* landmarks are fitted on the full-resolution grayscale frame, where the eyes are sharpest;
* a frame whose shorter side is under ``min_detect_side`` (120 px) is enlarged to it first: a
  FER2013-sized 48 px face is under dlib's 80 px window and is never found at its own size;
* still images (``detect_still``: uploads, photos, training data) get three more tries when that
  finds nothing: on a tight crop (shorter side <= 200 px) HOG at threshold 0 keeping only a box
  that fills half the picture (a face crop, not a patch); on a small picture (shorter side < 256 px)
  HOG on the picture enlarged to 256 px, where a 60-90 px face of a small web photo reaches HOG's
  window; then dlib's CNN face detector (``mmod_human_face_detector.dat``, shipped in
  face_recognition_models) on the picture padded by a quarter of its side and scaled to 256 px, then
  to 160 px.
  Measured on 150 ExpW web photos (faces with their surroundings, ~128 px): 0.43 found with the
  live settings and the crop pass, 0.72 with the enlarged pass, 0.91 with the CNN at 256 px (0.43
  with it at 160 px). The CNN costs ~0.6 s a try (any picture is scaled to 256 px), so the live path
  never uses it (benchmarks/video.py prints the current figures; the wild model's card the found
  share per source).

Everything heavy is loaded per instance (no module globals), so tests and workers own their copies.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import dlib
import numpy as np

from library.video.align import align_face

LANDMARKS_FILE = "shape_predictor_68_face_landmarks.dat"
CNN_DETECTOR_FILE = "mmod_human_face_detector.dat"


def _model_file(name: str) -> Path:
    """Path of one of dlib's model files inside the installed ``face_recognition_models`` package.

    Found with ``find_spec`` so the package's ``__init__`` (which imports the removed
    ``pkg_resources``) is never executed.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("package face-recognition-models is not installed")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "models" / name
        if path.is_file():
            return path
    raise FileNotFoundError(f"{name} not found in face_recognition_models")


def default_predictor_path() -> Path:
    """dlib's 68-point landmark model."""
    return _model_file(LANDMARKS_FILE)


def default_cnn_detector_path() -> Path:
    """dlib's CNN (max-margin object detection) face detector, for still images."""
    return _model_file(CNN_DETECTOR_FILE)


@dataclass(frozen=True)
class DetectorConfig:
    # 400 px keeps the astronaut face (17% of the frame width) at score 1.56; at 320 px it
    # scores only 0.2 and at 200-240 px it is lost (dlib's window is 80x80, faces < ~70 px vanish).
    detect_width: int = 400
    # Upsampling finds smaller faces but costs ~3x (0.05 s -> 0.16 s at 512 px) and found a
    # third false positive on the astronaut; an interview face is big enough without it.
    upsample: int = 0
    threshold: float = 0.5
    # Faces narrower than this fraction of the frame's shorter side are dropped (far-away
    # people in the background are not the interviewee).
    min_face_fraction: float = 0.08
    max_faces: int = 4
    # Frames whose shorter side is under this are enlarged to it (cubic) before detection: FER2013's
    # 48 px faces went from 0 to 0.57 found at 120 px; 100 px RAF-DB crops are left as they are
    # (enlarging them lowered HOG's scores: 0.34 found at 100 px, 0.26 at 320 px). 640x480 frames
    # are never touched, so the live path costs what it did.
    min_detect_side: int = 120
    # Still images only (detect_still), tried in turn when the live settings find nothing:
    crop_side: int = 200  # a picture this small (shorter side) is a face crop: HOG at...
    crop_threshold: float = 0.0  # ...this threshold, keeping a box at least...
    crop_min_fraction: float = 0.5  # ...this fraction of the shorter side (the face, not a patch)
    # A small picture (shorter side under this) is also searched enlarged to it, by HOG at ``crop_threshold``,
    # keeping boxes of at least ``enlarge_min_fraction`` of the shorter side: a web photo of 128 px holds a
    # 60-90 px face, under HOG's 80-px window at its own size. On 150 ExpW photos the found share went
    # 0.43 -> 0.72 with this pass.
    enlarge_side: int = 256
    enlarge_min_fraction: float = 0.2
    cnn_fallback: bool = True  # then dlib's CNN detector on the padded picture
    cnn_pad: float = 0.25  # padding on each side, fraction of the shorter side (black)
    # The padded picture's shorter side for the CNN: 256 finds the 60-90 px faces of small web photos
    # (ExpW found 0.72 -> 0.91 with the CNN at 256 after the passes above; at 160 it added 0.02); it costs
    # ~0.6 s a try on a quiet core, on stills only.
    cnn_side: int = 256
    # ...and when that finds nothing, once more at 160 px, where a tight crop's face sits nearer the CNN's 80-px
    # window: on 400 held-out RAF-DB / FER2013 pictures it found 15 of 61 / 4 of 37 that 256 px missed.
    cnn_retry_side: int = 160

    def __post_init__(self):
        if self.detect_width < 80:
            raise ValueError("detect_width must be at least 80 px (dlib's detection window)")
        if self.max_faces < 1:
            raise ValueError("max_faces must be >= 1")


@dataclass(frozen=True, eq=False)  # eq=False: comparing ndarray fields is ambiguous
class Face:
    """One face in full-resolution pixel coordinates."""

    box: tuple[int, int, int, int]  # x, y, w, h
    score: float  # detector score; tracked faces keep the score of their last detection
    landmarks: np.ndarray  # (68, 2) float32, x/y

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


def _to_gray(img: np.ndarray) -> np.ndarray:
    """uint8 grayscale, C-contiguous (dlib refuses strided views)."""
    if img.dtype != np.uint8:
        raise ValueError("image must be uint8")
    if img.ndim == 3 and img.shape[2] == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_RGBA2GRAY)
    elif img.ndim != 2:
        raise ValueError(f"expected a gray or RGB image, got shape {img.shape}")
    return np.ascontiguousarray(img)


Boxes = list[tuple[tuple[int, int, int, int], float]]


def _resized(gray: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return gray
    h, w = gray.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


class FaceFinder:
    """dlib detector + shape predictor, loaded once per instance (the CNN detector on first need)."""

    def __init__(self, config: DetectorConfig | None = None, predictor_path: str | Path | None = None):
        self.config = config or DetectorConfig()
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(predictor_path or default_predictor_path()))
        self._cnn = None
        # dlib documents its object_detector as unsafe for concurrent use; a web worker may
        # share one finder between request threads, so detection is serialised.
        self._detect_lock = threading.Lock()

    to_gray = staticmethod(_to_gray)

    def _scale(self, h: int, w: int) -> float:
        """Down to ``detect_width``, or up so the shorter side reaches ``min_detect_side``."""
        cfg = self.config
        return max(min(1.0, cfg.detect_width / w), cfg.min_detect_side / min(h, w))

    def _boxes(self, rects, scores, scale: float, offset: float, h: int, w: int, min_side: float) -> Boxes:
        """Detector rectangles (on a scaled, maybe padded copy) -> full-resolution boxes, biggest first."""
        found = []
        for r, s in zip(rects, scores):
            x0, y0 = max(0, round(r.left() / scale - offset)), max(0, round(r.top() / scale - offset))
            x1 = min(w, round((r.right() + 1) / scale - offset))
            y1 = min(h, round((r.bottom() + 1) / scale - offset))
            if x1 - x0 < min_side or y1 - y0 < min_side:
                continue
            found.append(((x0, y0, x1 - x0, y1 - y0), float(s)))
        # Biggest first: in an interview the nearest face is the interviewee; score breaks ties.
        found.sort(key=lambda f: (f[0][2] * f[0][3], f[1]), reverse=True)
        return found[: self.config.max_faces]

    def detect(self, gray: np.ndarray, threshold: float | None = None, min_fraction: float | None = None) -> Boxes:
        """Boxes ``(x, y, w, h)`` at full resolution with scores, best first, capped at max_faces."""
        cfg = self.config
        h, w = gray.shape[:2]
        scale = self._scale(h, w)
        small = _resized(gray, scale)
        with self._detect_lock:
            rects, scores, _ = self._detector.run(small, cfg.upsample, cfg.threshold if threshold is None else threshold)
        fraction = cfg.min_face_fraction if min_fraction is None else min_fraction
        return self._boxes(rects, scores, scale, 0.0, h, w, fraction * min(h, w))

    def detect_enlarged(self, gray: np.ndarray, k: float) -> Boxes:
        """HOG on the picture enlarged ``k`` times (detect_width lifted to match), boxes mapped back."""
        cfg = self.config
        big = _resized(gray, k)
        with self._detect_lock:
            rects, scores, _ = self._detector.run(big, cfg.upsample, cfg.crop_threshold)
        h, w = gray.shape[:2]
        return self._boxes(rects, scores, k, 0.0, h, w, cfg.enlarge_min_fraction * min(h, w))

    def detect_cnn(self, gray: np.ndarray, side: int | None = None) -> Boxes:
        """dlib's CNN detector on the frame padded by ``cnn_pad`` and scaled to ``side`` (default ``cnn_side``)."""
        cfg = self.config
        h, w = gray.shape[:2]
        pad = round(cfg.cnn_pad * min(h, w))
        padded = cv2.copyMakeBorder(gray, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
        scale = (side or cfg.cnn_side) / min(padded.shape[:2])
        small = np.ascontiguousarray(_resized(padded, scale))
        with self._detect_lock:
            if self._cnn is None:
                self._cnn = dlib.cnn_face_detection_model_v1(str(default_cnn_detector_path()))
            found = self._cnn(small, 0)
        return self._boxes([d.rect for d in found], [d.confidence for d in found], scale, pad, h, w,
                           cfg.min_face_fraction * min(h, w))

    def detect_still(self, gray: np.ndarray) -> Boxes:
        """Detection for a still picture: the live settings, then (when they find nothing) the crop
        pass and the CNN detector (see the module docstring)."""
        return self.detect_still_pass(gray)[0]

    def detect_still_pass(self, gray: np.ndarray) -> tuple[Boxes, str]:
        """``detect_still`` and the pass that found the faces: "hog", "crop", "enlarged", "cnn" or "" (none)."""
        cfg = self.config
        found = self.detect(gray)
        if found:
            return found, "hog"
        if min(gray.shape[:2]) <= cfg.crop_side:
            found = self.detect(gray, threshold=cfg.crop_threshold, min_fraction=cfg.crop_min_fraction)
            if found:
                return found, "crop"
        k = cfg.enlarge_side / min(gray.shape[:2])
        if k > 1.0:
            found = self.detect_enlarged(gray, k)
            if found:
                return found, "enlarged"
        if cfg.cnn_fallback:
            for side in (cfg.cnn_side, cfg.cnn_retry_side):
                found = self.detect_cnn(gray, side)
                if found:
                    return found, "cnn"
        return [], ""

    def landmarks(self, gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        x, y, w, h = box
        shape = self._predictor(gray, dlib.rectangle(int(x), int(y), int(x + w - 1), int(y + h - 1)))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float32)

    def find(self, img: np.ndarray, still: bool = False) -> list[Face]:
        """Detect and fit landmarks on one frame (no tracking); ``still``: with the still-image passes."""
        return self.find_pass(img, still)[0]

    def find_pass(self, img: np.ndarray, still: bool = False) -> tuple[list[Face], str]:
        """``find`` and the pass that found the faces ("hog", "crop", "enlarged", "cnn"; "" when none).

        A frame under ``min_detect_side`` is enlarged once for both steps: the landmark model, too,
        misplaces the eyes of a 48 px face that it fits well on the same face enlarged.
        """
        gray = _to_gray(img)
        k = max(1.0, self.config.min_detect_side / min(gray.shape[:2]))
        big = _resized(gray, k)
        boxes, how = self.detect_still_pass(big) if still else (self.detect(big), "hog")
        faces = []
        for box, score in boxes:
            pts = self.landmarks(big, box)
            if k > 1.0:
                box = tuple(int(round(v / k)) for v in box)
                pts = (pts + 0.5) / k - 0.5  # pixel centres, so the eyes land where they are
            faces.append(Face(box, score, pts.astype(np.float32)))
        return faces, how if faces else ""


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two crops (1 = same up to brightness/contrast)."""
    a = a.astype(np.float32) - a.mean()
    b = b.astype(np.float32) - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 0.0


# The tracker's "still the same face?" reference: the aligned crop reduced to 12x12 (area average). Coarse
# enough not to be a picture of anyone, so it may travel in a live session's row between workers, and as
# discriminating as the full crop: on 200 FER2013 faces a 3-px shift keeps NCC >= 0.63 (5th percentile) while
# smooth textures stay <= 0.39 (95th) - at 48x48 those were 0.39 and 0.35.
SIGNATURE_SIDE = 12


def _signature(aligned: np.ndarray) -> np.ndarray:
    return cv2.resize(aligned, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)


def _spread(points: np.ndarray) -> float:
    """RMS distance of landmarks from their centroid: a scale measure robust to box jitter."""
    return float(np.sqrt(((points - points.mean(axis=0)) ** 2).sum(axis=1).mean()))


@dataclass
class _Track:
    face: Face
    # Box geometry relative to the landmarks, fixed at detection time, so a box can be
    # rebuilt from re-fitted landmarks on later frames (translation + scale follow the face).
    offset: np.ndarray  # (box centre - landmark centroid) / spread
    size: np.ndarray  # (box w, box h) / spread
    spread: float
    reference: np.ndarray  # 12x12 signature of the aligned crop at detection time, for the "still a face?" check

    def to_dict(self) -> dict:
        return {"box": [int(v) for v in self.face.box], "score": float(self.face.score),
                "landmarks": np.round(self.face.landmarks, 2).tolist(), "offset": self.offset.tolist(),
                "size": self.size.tolist(), "spread": self.spread, "reference": self.reference.ravel().tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> _Track:
        face = Face(tuple(int(v) for v in d["box"]), float(d["score"]), np.asarray(d["landmarks"], np.float32))
        reference = np.asarray(d["reference"], np.uint8).reshape(SIGNATURE_SIDE, SIGNATURE_SIDE)
        return cls(face, np.asarray(d["offset"], np.float64), np.asarray(d["size"], np.float64),
                   float(d["spread"]), reference)


class FaceTracker:
    """Runs the detector every ``detect_every`` frames; in between, re-fits landmarks in the last box.

    Re-fitting (one shape-predictor call, ~2-4 ms) replaces detection (~10 ms + resize). dlib's
    correlation_tracker was measured too: ~4 ms per face per frame *plus* the landmark fit, for no
    benefit at webcam motion, so we do not use it.

    The shape predictor always returns 68 points, even on an empty wall, so a lost face must be
    noticed another way: the aligned 48x48 crop is compared (normalised cross-correlation) with
    the one taken at detection. Measured on the astronaut: shifted 15 px 0.998, rotated 10 deg
    0.989, darkened 0.999, mouth blurred 0.996; other images in the same box -0.37..0.14, a
    blank frame 0. Below ``min_similarity`` (0.5), or on an abrupt change of scale, the track is
    dropped and the detector runs on this same frame. With no faces tracked the detector runs
    every frame, so a face walking in is found at once. One tracker per stream; not thread-safe.
    """

    def __init__(self, finder: FaceFinder, detect_every: int = 5, max_scale_change: float = 0.25,
                 min_similarity: float = 0.5):
        if detect_every < 1:
            raise ValueError("detect_every must be >= 1")
        self.finder = finder
        self.detect_every = detect_every
        self.max_scale_change = max_scale_change
        self.min_similarity = min_similarity
        self._tracks: list[_Track] = []
        self._since_detect = 0
        self.detections = 0  # how many frames ran the detector (for benchmarks/tests)

    def reset(self) -> None:
        self._tracks = []
        self._since_detect = 0

    def update(self, img: np.ndarray) -> list[Face]:
        gray = _to_gray(img)
        if not self._tracks or self._since_detect >= self.detect_every - 1:
            return self._detect(gray)
        self._since_detect += 1
        h, w = gray.shape
        kept = []
        for tr in self._tracks:
            pts = self.finder.landmarks(gray, tr.face.box)
            spread = _spread(pts)
            centre = pts.mean(axis=0)
            if (spread <= 0 or abs(spread / tr.spread - 1) > self.max_scale_change
                    or not (0 <= centre[0] < w and 0 <= centre[1] < h)
                    or _similarity(_signature(align_face(gray, pts)), tr.reference) < self.min_similarity):
                continue
            bw, bh = tr.size * spread
            cx, cy = centre + tr.offset * spread
            x0, y0 = max(0, round(cx - bw / 2)), max(0, round(cy - bh / 2))
            x1, y1 = min(w, round(cx + bw / 2)), min(h, round(cy + bh / 2))
            if x1 - x0 < 8 or y1 - y0 < 8:
                continue
            tr.face = Face((x0, y0, x1 - x0, y1 - y0), tr.face.score, pts)
            tr.spread = spread
            kept.append(tr)
        self._tracks = kept
        if not kept:  # lost everything: look again on this very frame
            return self._detect(gray)
        return [tr.face for tr in kept]

    def _detect(self, gray: np.ndarray) -> list[Face]:
        self._since_detect = 0
        self.detections += 1
        self._tracks = []
        for box, score in self.finder.detect(gray):
            pts = self.finder.landmarks(gray, box)
            spread = max(_spread(pts), 1e-3)
            x, y, w, h = box
            offset = (np.array([x + w / 2, y + h / 2]) - pts.mean(axis=0)) / spread
            self._tracks.append(_Track(Face(box, score, pts), offset, np.array([w, h]) / spread, spread,
                                       _signature(align_face(gray, pts))))
        return [tr.face for tr in self._tracks]

    def state(self) -> dict:
        """What the next frame needs (plain JSON data), so a stream's frames may be served by any process."""
        return {"since_detect": self._since_detect, "tracks": [tr.to_dict() for tr in self._tracks]}

    def restore(self, state: dict | None) -> FaceTracker:
        """Continue from ``state()`` of an earlier frame (None or unreadable: start afresh); returns self."""
        try:
            self._tracks = [_Track.from_dict(d) for d in (state or {}).get("tracks", [])]
            self._since_detect = int((state or {}).get("since_detect", 0))
        except (KeyError, TypeError, ValueError):
            self.reset()
        return self
