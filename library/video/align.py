"""Eye-based alignment to a 48x48 grayscale crop framed like FER2013.

The expression model was trained on FER2013, so a face must reach it framed the way FER2013
faces are. We measured that framing: dlib's 68 landmarks on 600 FER2013 val faces (upscaled
4x) put the eye centres at y = 18.6 px (medians 18.7 / 18.4), x = 14.8 and 32.7 (centred on
23.8), 17.6 px apart, mouth at y = 38 and chin at y = 50.8 (just below the edge), brows at
y = 12.4. So the crop is tight: brows near the top, chin cut at the bottom.

One similarity transform (rotation so the eyes are level, scale so they are 17.6 px apart,
translation to put them at the measured spot) does rotate + crop + resize in a single
``warpAffine``; it is rendered at an integer multiple of 48 first and shrunk with INTER_AREA,
because warping straight down from a 100+ px face with bilinear sampling aliases.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

SIZE = 48
# Target eye centres in the 48x48 crop (image-left eye first), from the FER2013 measurement above.
EYE_Y = 18.6
EYE_DISTANCE = 17.6
LEFT_EYE = (SIZE / 2 - EYE_DISTANCE / 2, EYE_Y)
RIGHT_EYE = (SIZE / 2 + EYE_DISTANCE / 2, EYE_Y)

# dlib 68-point indices: 36-41 is the eye on the image's left (the subject's right), 42-47 the other.
IMAGE_LEFT_EYE = slice(36, 42)
IMAGE_RIGHT_EYE = slice(42, 48)


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pts = np.asarray(landmarks, dtype=np.float64)
    return pts[IMAGE_LEFT_EYE].mean(axis=0), pts[IMAGE_RIGHT_EYE].mean(axis=0)


def _eye_matrix(landmarks: np.ndarray, eye_distance: float, eye_y: float, size: int) -> np.ndarray:
    """One similarity transform: rotate so the eyes are level, scale them ``eye_distance`` px apart, and put
    their midpoint at (size / 2, ``eye_y``)."""
    left, right = eye_centres(landmarks)
    dx, dy = right - left
    dist = math.hypot(dx, dy)
    if dist < 1e-6:
        raise ValueError("degenerate landmarks: eye centres coincide")
    centre = (left + right) / 2
    m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), math.degrees(math.atan2(dy, dx)),
                                eye_distance / dist)
    # After rotating/scaling about the eye midpoint, move that midpoint to its target spot.
    m[0, 2] += size / 2 - centre[0]
    m[1, 2] += eye_y - centre[1]
    return m


def alignment_matrix(landmarks: np.ndarray, size: int = SIZE) -> np.ndarray:
    """2x3 affine matrix mapping the frame onto a ``size`` x ``size`` aligned crop."""
    k = size / SIZE
    return _eye_matrix(landmarks, EYE_DISTANCE * k, EYE_Y * k, size)


def align_face(gray: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """48x48 uint8 grayscale crop, eyes level, framed like FER2013.

    Pixels outside the frame are filled by replicating the border (a face at the edge of a
    webcam frame then looks smeared, not cut by a black bar the model never saw in training).
    """
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError("align_face needs a 2-D uint8 grayscale frame")
    return _render(gray, landmarks, alignment_matrix, SIZE, EYE_DISTANCE, 8)


def _render(img: np.ndarray, landmarks: np.ndarray, matrix, size: int, eye_distance: float, max_factor: int):
    """Warp at the integer multiple of ``size`` nearest the source scale, then shrink with INTER_AREA: warping
    straight down from a large face with bilinear sampling aliases. The border is replicated (a face at the
    edge then looks smeared, not cut by a black bar the model never saw)."""
    left, right = eye_centres(landmarks)
    dist = float(np.hypot(*(right - left)))
    factor = max(1, min(max_factor, int(round(dist / eye_distance))))
    big = size * factor
    crop = cv2.warpAffine(img, matrix(landmarks, big), (big, big), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    if factor > 1:
        crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
    return crop


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to (N, 2) points (used to check alignment in tests)."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:, :2].T + matrix[:, 2]


# The wild model's framing (library/video/wild.py): a wider, colour crop that keeps the forehead, the chin and
# a little of the hair and jaw line, because faces in the wild are read from more than the central features.
# Eye line at 42% of the side, eyes 36% of the side apart: the face is ~3/4 of the width, the chin near the bottom.
WILD_SIZE = 112
WILD_EYE_Y = 0.42
WILD_EYE_DISTANCE = 0.36


def wild_alignment_matrix(landmarks: np.ndarray, size: int = WILD_SIZE) -> np.ndarray:
    """2x3 affine matrix mapping the frame onto the wild model's ``size`` x ``size`` crop."""
    return _eye_matrix(landmarks, WILD_EYE_DISTANCE * size, WILD_EYE_Y * size, size)


def align_face_wild(img: np.ndarray, landmarks: np.ndarray, size: int = WILD_SIZE) -> np.ndarray:
    """``size`` x ``size`` uint8 crop in the wild model's framing, in the picture's own channels (RGB or gray).

    Rendered at an integer multiple of ``size`` near the source scale and shrunk with INTER_AREA (as
    ``align_face``), so a large face is not aliased; the border is replicated, as for the live crop.
    """
    if img.dtype != np.uint8 or img.ndim not in (2, 3):
        raise ValueError("align_face_wild needs a uint8 gray or RGB picture")
    return _render(img, landmarks, wild_alignment_matrix, size, WILD_EYE_DISTANCE * size, 4)
