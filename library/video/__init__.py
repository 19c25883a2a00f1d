"""Video channel: facial-expression recognition on faces found in pictures, videos and live frames.

Files in pipeline order (input -> features -> model -> result):

    frames, image_work   decode an uploaded picture or live frame, within work limits
    video_file, sound    read a video file's frames and its sound track
    faces, align, blink  find and track faces, align each to a 48x48 crop, count blinks
    model                FacialExpressionModel: the shipped ONNX model, calibrated, with Grad-CAM
    pipeline, live       a picture or a live frame -> faces with their probabilities
    summary, result      a recording's faces over time -> the stored face analysis (typed)
    train/               training, export and evaluation (Keras on torch; never imported by the app)

``import library.video`` stays light (numpy only); ONNX Runtime is imported when a model is
loaded, and serving never imports Keras or torch.
"""

from library.emotions import EMOTIONS
from library.video.model import FacialExpressionModel

__all__ = ["EMOTIONS", "FacialExpressionModel"]
