"""Face pipeline of the video channel, on a real photo (skimage's astronaut, Eileen Collins).

Most tests check geometry (detection, landmarks, alignment, tracking, EAR, decoding), which
does not depend on the expression model; they use ``PlumbingModel``, a stand-in that returns
uniform probabilities and is NOT an expression model. Tests that claim anything about
expressions load the real model and skip when ``Models/video/`` has none yet.
"""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from library.emotions import EMOTIONS
from library.errors import BadInput, PayloadTooLarge, UnprocessableInput, UnsupportedMediaType
from library.video.align import alignment_matrix, eye_centres, transform_points
from library.video.blink import BlinkConfig, BlinkCounter, eye_aspect_ratio
from library.video.faces import FaceFinder, FaceTracker, default_predictor_path
from library.video.frames import FrameLimits, decode_image
from library.video.pipeline import FacePipeline, PipelineConfig
from media import make_video

# Where the face is in the 512x512 astronaut photo (dlib's full-resolution box: 179,83 .. 266,170);
# the mission patch on her suit is around (123..227, 330..434).
FACE_CENTRE = (222, 126)


class PlumbingModel:
    """Uniform probabilities. Only for tests of boxes/landmarks/plumbing, never of expressions."""

    def __init__(self):
        self.calls = []

    def predict_proba(self, faces):
        self.calls.append(np.asarray(faces).shape)
        return np.full((len(faces), len(EMOTIONS)), 1.0 / len(EMOTIONS))


@pytest.fixture(scope="module")
def astronaut():
    return skdata.astronaut()


@pytest.fixture(scope="module")
def pipeline():
    return FacePipeline(PlumbingModel(), PipelineConfig(detect_every=5))


@pytest.fixture(scope="module")
def expression_model():
    try:
        from library.video.model import FacialExpressionModel
    except ImportError as exc:
        pytest.skip(f"library.video.model is not available yet ({exc})")
    if not hasattr(FacialExpressionModel, "load"):
        pytest.skip("FacialExpressionModel.load is not implemented yet")
    try:
        return FacialExpressionModel.load()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"no trained expression model in Models/video/ yet ({exc})")


def shifted(img, dx, dy):
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)


# --- detection and landmarks -------------------------------------------------------------

def test_predictor_file_found_without_importing_package():
    path = default_predictor_path()
    assert path.name == "shape_predictor_68_face_landmarks.dat" and path.stat().st_size > 50_000_000


def test_exactly_one_face_on_astronaut_mission_patch_rejected(pipeline, astronaut):
    result = pipeline.analyse_image(astronaut)
    assert (result.width, result.height) == (512, 512)
    assert len(result.faces) == 1, [f.box for f in result.faces]
    x, y, w, h = result.faces[0].box
    assert x <= FACE_CENTRE[0] <= x + w and y <= FACE_CENTRE[1] <= y + h
    assert 70 <= w <= 130 and 70 <= h <= 130  # the face, not the whole upper body
    assert y + h < 300  # nowhere near the patch at y >= 330


def test_patch_would_be_found_without_threshold(astronaut):
    # Documents why the threshold exists: at 384 px the patch scores 0.27 (above dlib's usual 0);
    # at our 0.5 it is gone while the face (1.45) stays.
    from library.video.faces import DetectorConfig
    loose = FaceFinder(DetectorConfig(detect_width=384, threshold=-0.5))
    strict = FaceFinder(DetectorConfig(detect_width=384))
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert len(loose.detect(gray)) >= 2
    assert len(strict.detect(gray)) == 1


def test_landmarks_inside_or_near_box(pipeline, astronaut):
    face = pipeline.analyse_image(astronaut).faces[0]
    pts = np.array(face.landmarks)
    assert pts.shape == (68, 2)
    x, y, w, h = face.box
    margin = 0.25 * w
    assert (pts[:, 0] >= x - margin).all() and (pts[:, 0] <= x + w + margin).all()
    assert (pts[:, 1] >= y - margin).all() and (pts[:, 1] <= y + h + margin).all()
    # Anatomy: eyes above the nose tip above the mouth above the chin.
    eyes_y = pts[36:48, 1].mean()
    assert eyes_y < pts[30, 1] < pts[48:68, 1].mean() < pts[8, 1]


def test_to_dict_shape(pipeline, astronaut):
    d = pipeline.analyse_image(astronaut, t=1.5).to_dict()
    assert d["t"] == 1.5 and len(d["faces"]) == 1
    face = d["faces"][0]
    assert {"box", "landmarks", "probabilities", "dominant"} <= set(face)
    assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
    assert len(face["landmarks"]) == 68 and all(len(p) == 2 for p in face["landmarks"])
    assert list(face["probabilities"]) == list(EMOTIONS)
    assert face["dominant"] in EMOTIONS


def test_gray_and_rgb_input_agree(pipeline, astronaut):
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert pipeline.analyse_image(gray).faces[0].box == pipeline.analyse_image(astronaut).faces[0].box


def test_no_face_gives_empty_result_and_no_model_call(astronaut):
    model = PlumbingModel()
    pipe = FacePipeline(model)
    result = pipe.analyse_image(np.full((240, 320), 128, np.uint8))
    assert result.faces == [] and model.calls == []
    assert pipe.largest_face_crop(np.zeros((240, 320), np.uint8)) is None


def test_all_faces_of_a_frame_in_one_model_call(astronaut):
    from library.video.faces import DetectorConfig

    model = PlumbingModel()
    # Two photos side by side: the frame is twice as wide, so the detector needs twice the width.
    pipe = FacePipeline(model, PipelineConfig(detector=DetectorConfig(detect_width=800)))
    two = np.hstack([astronaut, astronaut])
    result = pipe.analyse_image(two)
    assert len(result.faces) == 2
    assert model.calls == [(2, 48, 48)]


def test_max_faces_cap(astronaut):
    from library.video.faces import DetectorConfig

    pipe = FacePipeline(PlumbingModel(), PipelineConfig(detector=DetectorConfig(detect_width=800, max_faces=1)))
    assert len(pipe.analyse_image(np.hstack([astronaut, astronaut])).faces) == 1


# --- small and tightly framed faces (still pictures) ---------------------------------------

def _crop(img, y0, y1, x0, x1, side):
    return cv2.resize(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[y0:y1, x0:x1], (side, side), interpolation=cv2.INTER_AREA)


def test_a_face_under_the_detector_window_is_found_after_enlarging(astronaut):
    from library.video.faces import DetectorConfig

    tiny = _crop(astronaut, 60, 190, 157, 287, 48)  # FER2013's size: the face is ~35 px
    assert FaceFinder(DetectorConfig(min_detect_side=48)).find(tiny) == []  # at its own size: lost
    faces = FaceFinder().find(tiny)
    assert len(faces) == 1
    left, right = eye_centres(faces[0].landmarks)  # landmarks back in the 48 px picture's coordinates
    assert 8 < right[0] - left[0] < 20 and 10 < left[1] < 26 and abs(left[1] - right[1]) < 3


def test_a_tight_crop_is_found_by_the_still_passes_only(astronaut):
    from library.video.faces import DetectorConfig

    tight = _crop(astronaut, 90, 165, 185, 260, 100)  # brows to chin, cheek to cheek
    finder = FaceFinder()
    assert finder.find(tight) == []  # the live settings (threshold 0.5) miss it
    faces, how = finder.find_pass(tight, still=True)
    assert how == "crop" and len(faces) == 1 and faces[0].box[2] >= 50
    # when both HOG passes fail (thresholds out of reach here), dlib's CNN detector finds a face crop
    face_crop = _crop(astronaut, 83, 170, 179, 266, 100)
    faces, how = FaceFinder(DetectorConfig(threshold=9.0, crop_threshold=9.0)).find_pass(face_crop, still=True)
    assert how == "cnn" and len(faces) == 1 and faces[0].box[2] >= 60
    # and nothing is invented on a picture without a face
    assert FaceFinder().find_pass(np.full((100, 100), 128, np.uint8), still=True) == ([], "")


def test_analyse_still_classifies_the_tight_crop(astronaut):
    model = PlumbingModel()
    pipe = FacePipeline(model)
    tight = _crop(astronaut, 90, 165, 185, 260, 100)
    assert pipe.analyse_image(tight, still=False).faces == []  # the live settings alone miss it
    assert len(pipe.analyse_still(tight).faces) == 1 and model.calls == [(1, 48, 48)]
    # A picture handed to analyse_image on its own (no tracker) is read as a still: the public contract
    # FacePipeline(...).analyse_image(rgb).main_face must not be None for a tight face crop.
    assert pipe.analyse_image(tight).main_face is not None
    assert pipe.largest_face_crop(tight) is None and pipe.largest_face_crop(tight, still=True).shape == (48, 48)


# --- alignment ----------------------------------------------------------------------------

def test_aligned_crop_is_fer_format_with_level_eyes(pipeline, astronaut):
    crop = pipeline.largest_face_crop(astronaut)
    assert crop.shape == (48, 48) and crop.dtype == np.uint8
    assert crop.std() > 20  # a face, not a flat patch
    for angle in (0, 8, -8):  # tilt the head; after alignment the eyes must be level again
        m = cv2.getRotationMatrix2D(FACE_CENTRE, angle, 1.0)
        tilted = cv2.warpAffine(astronaut, m, (512, 512), borderMode=cv2.BORDER_REPLICATE)
        face = pipeline.finder.find(tilted)[0]
        left, right = eye_centres(face.landmarks)
        if angle:
            assert abs(right[1] - left[1]) > 3  # the eyes really are tilted in the frame
        a = transform_points(np.array([left, right]), alignment_matrix(face.landmarks))
        assert abs(a[0, 1] - a[1, 1]) < 0.01
        assert a[0, 0] < a[1, 0] and 17 < a[1, 0] - a[0, 0] < 18.5  # FER2013 inter-ocular distance
        assert 17.5 < a[0, 1] < 19.5  # FER2013 eye height


# --- tracking -----------------------------------------------------------------------------

def test_tracker_follows_moving_face_with_few_detections(pipeline, astronaut):
    tracker = FaceTracker(pipeline.finder, detect_every=5)
    for i in range(15):
        frame = shifted(astronaut, 3 * i, 2 * i)
        tracked = tracker.update(frame)
        detected = pipeline.finder.find(frame)
        assert len(tracked) == 1
        tx, ty, _, _ = tracked[0].box
        dx, dy, _, _ = detected[0].box
        assert abs(tx - dx) <= 8 and abs(ty - dy) <= 8, (i, tracked[0].box, detected[0].box)
    assert tracker.detections == 3


def test_tracker_redetects_at_once_when_face_leaves(pipeline, astronaut):
    tracker = FaceTracker(pipeline.finder, detect_every=10)
    assert len(tracker.update(astronaut)) == 1
    assert tracker.update(np.full_like(astronaut, 90)) == []
    assert tracker.detections == 2  # the lost track triggered a detection on the blank frame
    assert len(tracker.update(astronaut)) == 1
    assert tracker.detections == 3  # nothing was tracked, so the detector ran again
    # Another picture where the face was: the re-fitted "face" no longer looks like her.
    other = cv2.resize(skdata.coffee(), (512, 512))
    assert tracker.update(other) == []
    assert tracker.detections == 4


# --- eye aspect ratio and blinks ------------------------------------------------------------

def test_ear_sane_on_open_eyes(pipeline, astronaut):
    ear = pipeline.analyse_image(astronaut).faces[0].eye_aspect_ratio
    assert 0.2 < ear < 0.45


def test_ear_geometry():
    pts = np.zeros((68, 2))
    for first in (36, 42):  # an eye 30 px wide and 10 px tall: EAR = (10 + 10) / (2 * 30)
        pts[first:first + 6] = [(0, 0), (10, -5), (20, -5), (30, 0), (20, 5), (10, 5)]
    assert eye_aspect_ratio(pts) == pytest.approx(1 / 3)


def test_blink_counter_on_synthetic_sequence():
    counter = BlinkCounter(BlinkConfig(close_threshold=0.2, open_threshold=0.24))
    fps, ears = 10, []
    for second in range(30):  # 30 s at 10 fps, open eyes 0.30 +- noise, one blink every 3 s
        for k in range(fps):
            ears.append(0.12 if (second % 3 == 1 and k in (4, 5)) else 0.30 + 0.02 * np.sin(k))
    ears[150:165] = [0.05] * 15  # eyes shut 15.0-16.5 s: too long for a blink, and it swallows the one at 16.4 s
    for i, ear in enumerate(ears):
        counter.add(i / fps, ear)
    assert counter.count == 9  # 10 blinks scheduled, one overwritten by the long closure
    assert counter.per_minute == pytest.approx(9 * 60 / counter.duration_s)
    assert counter.blinks[0].start == pytest.approx(1.4)


def test_blink_hysteresis_and_gaps():
    counter = BlinkCounter()
    # Hovering around 0.2 without re-opening above 0.24 is one blink, not three.
    for t, ear in enumerate([0.3, 0.19, 0.21, 0.19, 0.21, 0.3, 0.3]):
        counter.add(t * 0.1, ear)
    assert counter.count == 1
    counter.add(1.0, 0.1)
    counter.add(1.1, None)  # face lost mid-closure: not counted
    counter.add(1.2, 0.3)
    assert counter.count == 1
    assert BlinkCounter().per_minute is None
    with pytest.raises(ValueError):
        counter.add(0.5, 0.3)


# --- frame decoding -------------------------------------------------------------------------

def encode(img_rgb, ext):
    ok, buf = cv2.imencode(ext, cv2.cvtColor(img_rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return buf.tobytes()


def test_decode_jpeg_and_png(astronaut):
    for ext in (".jpg", ".png"):
        raw = encode(astronaut, ext)
        assert decode_image(raw).shape == (512, 512)
        rgb = decode_image(raw, gray=False)
        assert rgb.shape == (512, 512, 3)
        assert np.abs(rgb.astype(int) - astronaut).mean() < 5  # RGB order, not BGR


def test_analyse_jpeg(pipeline, astronaut):
    result = pipeline.analyse_jpeg(encode(astronaut, ".jpg"), t=2.0)
    assert result.t == 2.0 and len(result.faces) == 1


@pytest.mark.parametrize("raw,error", [
    (b"", BadInput),
    (b"GIF89a" + b"\0" * 100, UnsupportedMediaType),
    (b"%PDF-1.7 not an image", UnsupportedMediaType),
    (b"\xff\xd8\xff" + bytes(range(256)) * 4, UnprocessableInput),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 10, UnprocessableInput),
])
def test_refuses_non_images(raw, error):
    with pytest.raises(error):
        decode_image(raw)


def test_refuses_huge_dimensions_before_decoding(astronaut):
    # A PNG header claiming 100000 x 100000 (a decompression bomb) is refused from the header.
    ihdr = struct.pack(">II", 100_000, 100_000) + b"\x08\x00\x00\x00\x00"
    fake = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0" * 64
    with pytest.raises(PayloadTooLarge):
        decode_image(fake)
    # A real JPEG whose frame header is patched to 60000 x 60000.
    jpg = bytearray(encode(astronaut, ".jpg"))
    i = jpg.find(b"\xff\xc0")
    jpg[i + 5:i + 9] = struct.pack(">HH", 60_000, 60_000)
    with pytest.raises(PayloadTooLarge):
        decode_image(bytes(jpg))
    # A real, small (highly compressible) PNG over the configured limit.
    big = cv2.imencode(".png", np.zeros((600, 800), np.uint8))[1].tobytes()
    assert len(big) < 10_000
    with pytest.raises(PayloadTooLarge):
        decode_image(big, FrameLimits(max_side=512))
    with pytest.raises(PayloadTooLarge):
        decode_image(big, FrameLimits(max_bytes=1000))


# --- video files ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clip_frames(astronaut):
    return [shifted(astronaut, 2 * i, i) for i in range(20)]  # 2 s at 10 fps, face drifting


@pytest.mark.parametrize("fmt,codec", [("mp4", "libx264"), ("webm", "libvpx")])
def test_analyse_video_file(pipeline, clip_frames, fmt, codec):
    from library.video.video_file import analyse_video

    raw = make_video(clip_frames, fmt, codec)
    seen = []
    result = analyse_video(raw, pipeline, sample_fps=5.0, progress=seen.append)
    assert 1.8 <= result.duration_s <= 2.2
    assert len(result.frames) == 10  # 5 samples a second for 2 s
    assert all(len(f.faces) == 1 for f in result.frames)
    assert result.frames[1].t == pytest.approx(0.2, abs=0.01)
    assert result.blinks == 0  # a still photo never blinks
    assert seen[-1] == 1.0 and seen == sorted(seen)
    d = result.to_dict()
    assert len(d["timeline"]) == 10 and d["frames_with_face"] == 10 and "frames" not in d
    assert set(d["timeline"][0]) == {"t", "faces", "dominant", "probabilities"}
    assert len(result.to_dict(with_frames=True)["frames"]) == 10


def test_analyse_video_from_path(pipeline, clip_frames, tmp_path):
    from library.video.video_file import analyse_video

    path = tmp_path / "clip.mp4"
    path.write_bytes(make_video(clip_frames[:10], "mp4", "libx264"))
    assert len(analyse_video(path, pipeline, sample_fps=2.0).frames) == 2


def test_video_limits_and_garbage(pipeline, clip_frames):
    from library.video.video_file import analyse_video

    raw = make_video(clip_frames, "mp4", "libx264")
    with pytest.raises(PayloadTooLarge):
        analyse_video(raw, pipeline, max_seconds=1.0)
    with pytest.raises(PayloadTooLarge):
        analyse_video(raw, pipeline, max_bytes=1000)
    with pytest.raises(UnsupportedMediaType):
        analyse_video(np.random.default_rng(0).bytes(5000), pipeline)
    with pytest.raises(UnsupportedMediaType):
        analyse_video(encode(clip_frames[0], ".jpg"), pipeline)
    with pytest.raises(BadInput):
        analyse_video(b"", pipeline)
    # Container magic, garbage body.
    with pytest.raises(UnprocessableInput):
        analyse_video(b"\0\0\0\x18ftypisom" + np.random.default_rng(1).bytes(5000), pipeline)
    with pytest.raises(UnprocessableInput):
        analyse_video(b"\x1a\x45\xdf\xa3" + np.random.default_rng(2).bytes(5000), pipeline)


# --- with the real expression model (skipped until Models/video/ has one) --------------------

def test_real_model_reads_astronaut_smile(expression_model, astronaut):
    pipe = FacePipeline(expression_model)
    face = pipe.analyse_image(astronaut).faces[0]
    assert sum(face.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert face.dominant == "happy", face.probabilities  # she is smiling broadly


def test_real_model_on_video(expression_model, clip_frames):
    from library.video.video_file import analyse_video

    result = analyse_video(make_video(clip_frames, "mp4", "libx264"), FacePipeline(expression_model))
    assert result.to_dict()["mean_probabilities"]["happy"] > 0.5
