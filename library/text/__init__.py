"""Text channel: Big Five personality from a person's writing.

Importing this package is cheap: scikit-learn/joblib load with the model
(``PersonalityModel.load``), Keras/torch only inside the neural comparison code.
"""

from library.text.analysis import TextAnalysis, analyse_text
from library.text.emotion import TextEmotionModel
from library.text.model import PersonalityModel
from library.text.pdf import extract_pdf_text
from library.text.traits import TRAITS
from library.text.upload import read_text_upload

__all__ = ["TRAITS", "PersonalityModel", "TextAnalysis", "TextEmotionModel", "analyse_text",
           "extract_pdf_text", "read_text_upload"]
