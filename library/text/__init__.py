"""Text channel: Big Five personality and emotion from a person's writing.

    emotion/       the text emotion model (TextEmotionModel; ISEAR)
    personality/   the Big Five model (PersonalityModel; Essays)
    encoder.py     the fine-tuned MiniLM encoder both models share (ONNX Runtime)
    preprocess.py  normalisation shared by training and serving
    upload.py, pdf.py, pdf_child.py   a file upload or PDF -> text
    analysis.py    one text -> TextAnalysis (traits, top words, emotion reading)
    spoken.py      the words of a spoken answer -> emotion, and traits when long enough
    train/         training of both models (torch only here)

Importing this package is cheap: scikit-learn/joblib and ONNX Runtime load with the models
(``PersonalityModel.load``, ``TextEmotionModel.load``); torch only in training (library/text/train/).
"""

from library.text.analysis import TextAnalysis, analyse_text
from library.text.emotion import TextEmotionModel
from library.text.pdf import extract_pdf_text
from library.text.personality import TRAITS, PersonalityModel
from library.text.upload import read_text_upload

__all__ = ["TRAITS", "PersonalityModel", "TextAnalysis", "TextEmotionModel", "analyse_text",
           "extract_pdf_text", "read_text_upload"]
