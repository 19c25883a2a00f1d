"""Text channel: Big Five personality and emotion from a person's writing.

Importing this package is cheap: scikit-learn/joblib and ONNX Runtime load with the models
(``PersonalityModel.load``, ``TextEmotionModel.load``; both share one fine-tuned encoder,
library/text/encoder.py); torch only in training (library/text/train/).
"""

from library.text.analysis import TextAnalysis, analyse_text
from library.text.emotion import TextEmotionModel
from library.text.model import PersonalityModel
from library.text.pdf import extract_pdf_text
from library.text.traits import TRAITS
from library.text.upload import read_text_upload

__all__ = ["TRAITS", "PersonalityModel", "TextAnalysis", "TextEmotionModel", "analyse_text",
           "extract_pdf_text", "read_text_upload"]
