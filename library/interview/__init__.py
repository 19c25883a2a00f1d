"""The interview: questions per step, late fusion of face, voice and words, and suggestions.

Free of Flask, like the rest of ``library``. Configuration (file paths, reliability
figures) is passed in or read at call time; there is no module-level state.
"""

from library.interview.fusion import (CHANCE, CHANNEL_LABELS, ChannelReading, FusedResult, PairAgreement, agreement,
                                      channel_weight, confidence_word, fuse)
from library.interview.questions import STEPS, QuestionBankError, load_questions, pick_question
from library.interview.reliability import (CHANNELS, ChannelReliability, channel_reliability, load_reliability,
                                           reliability_scores)
from library.interview.report import STATEMENT, InterviewReport, build_report
from library.interview.suggestions import (KINDS, MIXED, STATES, Catalogue, CatalogueError, Suggestion,
                                           load_catalogue, suggest)

__all__ = [
    "CHANCE", "CHANNELS", "CHANNEL_LABELS", "KINDS", "MIXED", "STATEMENT", "STATES", "STEPS",
    "Catalogue", "CatalogueError", "ChannelReading", "ChannelReliability", "FusedResult", "InterviewReport",
    "PairAgreement", "QuestionBankError", "Suggestion",
    "agreement", "build_report", "channel_reliability", "channel_weight", "confidence_word", "fuse",
    "load_catalogue", "load_questions", "load_reliability", "pick_question", "reliability_scores", "suggest",
]
