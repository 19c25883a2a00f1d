"""An uploaded video read whole, the one way: the web's ``POST /api/v1/video`` and the batch both call this.

    analysis = analyse_video_upload(data, limits, models)   # -> VideoAnalysis, its models named
    analysis.public()                                        # the API's body and the batch's scores

Its frames are read by the face pipeline (with a Grad-CAM view of the clearest, as a live answer keeps), its
sound track by the voice and text models on the face's clock (library/video/sound.py: no sound, or no voice
model, leaves a note and the face stands alone). ``limits``: library/limits.py, the app's configuration.
"""

from __future__ import annotations

from collections.abc import Callable

from library.limits import Limits
from library.video.live import GradCamPicker
from library.video.result import VideoAnalysis
from library.video.sound import read_sound
from library.video.summary import frame_sample, summarise
from library.video.video_file import analyse_video


def analyse_video_upload(data: bytes, limits: Limits, models,
                         progress: Callable[[float], None] | None = None) -> VideoAnalysis:
    """One video file's analysis (``InputError`` when it is refused). ``models``: a ModelCache (library/registry.py);
    ``progress(fraction)``: after each sampled frame, as ``analyse_video`` says."""
    video = limits.video
    pipeline = models.get("face_pipeline")
    picker = GradCamPicker(pipeline, every=video.gradcam_every)  # "where the model looked", as a live answer has
    result = analyse_video(data, pipeline, sample_fps=video.sample_fps, max_seconds=video.max_seconds,
                           max_bytes=video.max_bytes, progress=progress, max_side=video.max_side,
                           max_pixels=video.max_pixels, max_fps=video.max_fps, max_process_s=video.max_process_s,
                           max_decoded_pixels=video.max_decoded_pixels, on_frame=picker)
    # The sound track of the same file: voice and words on the face's clock (none: the face stands alone).
    sound = read_sound(data, models, limits, max_bytes=video.max_bytes, max_seconds=float(video.max_seconds))
    analysis = summarise([(f.t, frame_sample(f)) for f in result.frames], source="file", gradcam=picker.best,
                         abstain_below=upload_threshold(pipeline.model), complete=result.complete, sound=sound)
    analysis.models = models.ids_for("video", analysis)
    return analysis


def upload_threshold(model) -> float | None:
    """The "unclear" threshold of the tier that reads an upload's frames (the wild tier's when there is one; None
    for a model without one, e.g. a test's fake)."""
    return getattr(model, "confidence_threshold", getattr(model, "abstain_below", None))
