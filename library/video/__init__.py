"""Video channel: facial-expression recognition on 48x48 grayscale face crops.

``import library.video`` stays light (numpy only); Keras is imported when a model is
loaded or trained.
"""

from library.emotions import EMOTIONS
from library.video.expression import FacialExpressionModel

__all__ = ["EMOTIONS", "FacialExpressionModel"]
