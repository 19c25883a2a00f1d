"""The emotion of a text as the page tells it: a reading, "unclear" or "neutral", and why.

- **unclear**: the calibrated probability of the top reading is below the measured threshold
  (``info["unclear_below"]``, 0.5: the reading would be more likely wrong than right).
- **neutral**: only if training measured a rule that holds (``info["neutral_rule"]``): the
  encoder's largest logit below the 5th percentile of ISEAR answers' out-of-fold scores.
  When the rule did not hold, ``neutral_possible`` is False and the page says that the model
  cannot tell a text without emotion from an ambiguous one.
- **pushed_by**: the words whose removal lowers the top reading's probability most (occlusion
  on the whole model, every occurrence of the word removed at once, one batched pass) for texts
  with at most ``OCCLUDE_MAX`` distinct content words; for longer texts, where that would cost
  one pass per word, the TF-IDF model's word features times their coefficients for the top
  label against the mean of the others (the linear model's own account).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from library.text.emotion.labels import ISEAR_LABELS
from library.text.preprocess import stop_words

# ISEAR's labels in the project's words (the five shared ones as the face channel names them).
DISPLAY = {"joy": "happy", "anger": "angry", "sadness": "sad", "fear": "fear", "disgust": "disgust",
           "shame": "shame", "guilt": "guilt"}
OCCLUDE_MAX = 24
TOP_WORDS = 5
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


@dataclass
class EmotionReading:
    state: str  # "named" | "unclear" | "neutral"
    label: str  # top reading in the project's words (happy, angry, sad, fear, disgust, shame, guilt)
    confidence: float  # calibrated probability of ``label``
    probabilities: dict[str, float]  # every label (project's words) -> calibrated probability
    unclear_below: float
    neutral_possible: bool  # False: the model cannot tell "no emotion" from "ambiguous"
    pushed_by: list[tuple[str, float]] = field(default_factory=list)  # (word, points of `label` it adds)
    explained_by: str = ""  # "occlusion" | "linear" | "" (no explanation asked)

    @property
    def shown(self) -> str:
        """What the page names: the label, or "unclear" / "neutral"."""
        return self.label if self.state == "named" else self.state

    def to_dict(self) -> dict:
        return {"state": self.state, "shown": self.shown, "label": self.label,
                "confidence": round(self.confidence, 4),
                "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
                "unclear_below": self.unclear_below, "neutral_possible": self.neutral_possible,
                "pushed_by": [[w, round(v, 4)] for w, v in self.pushed_by], "explained_by": self.explained_by}

    @classmethod
    def from_dict(cls, stored: Mapping) -> EmotionReading:
        """``to_dict`` read back (``shown`` is derived, not a field)."""
        return cls(state=stored["state"], label=stored["label"], confidence=float(stored["confidence"]),
                   probabilities=dict(stored["probabilities"]), unclear_below=stored["unclear_below"],
                   neutral_possible=bool(stored["neutral_possible"]),
                   pushed_by=[(w, float(v)) for w, v in stored.get("pushed_by") or [] if says_something(w)],
                   explained_by=stored.get("explained_by", ""))


def says_something(feature: str) -> bool:
    """Whether a word feature (a word, or a two-word phrase of the TF-IDF model) holds a content word: phrases of
    stop words alone ("that i", "it to") told a reader nothing about why the text read as it did."""
    stops = stop_words()
    return any(token not in stops and len(token) > 1 for token in feature.lower().split())


def _candidates(text: str) -> list[str]:
    stops = stop_words()
    seen: dict[str, None] = {}
    for w in _WORD.findall(text):
        key = w.lower()
        if key not in stops and len(key) > 1:
            seen.setdefault(key, None)
    return list(seen)


def _without(text: str, word: str) -> str:
    out = re.sub(rf"(?<![A-Za-z']){re.escape(word)}(?![A-Za-z'])", " ", text, flags=re.I)
    return out if out.strip() else "."


def occlusion(estimator, text: str, top: int, words: list[str]) -> list[tuple[str, float]]:
    variants = [_without(text, w) for w in words]
    base = estimator.predict_proba([text])[0, top]
    drops = base - estimator.predict_proba(variants, remember=False)[:, top]
    return [(w, float(d)) for w, d in zip(words, drops)]


def linear_words(tfidf, text: str, top_label: str) -> list[tuple[str, float]]:
    """TF-IDF word features of ``text`` x (coefficient of the top label - mean of the others)."""
    features, clf = tfidf.named_steps["features"], tfidf.named_steps["clf"]
    words = dict(features.transformer_list)["words"]
    x = words.transform([text]).tocoo()
    coef = clf.coef_[:, :len(words.vocabulary_)]  # the word block comes first in the union
    k = list(clf.classes_).index(top_label)
    push = coef[k] - np.delete(coef, k, axis=0).mean(axis=0)
    names = words.get_feature_names_out()
    return [(str(names[j]), float(v * push[j])) for j, v in zip(x.col, x.data)]


def read_emotion(model, text: str, explain: bool = True) -> "EmotionReading":
    info = model.info
    est = model.estimator
    proba = model.predict_isear_proba([text])[0]
    top = int(proba.argmax())
    unclear_below = float(info.get("unclear_below", 0.5))
    rule = info.get("neutral_rule") or {}
    neutral_possible = bool(rule.get("shipped")) and hasattr(est, "max_logit")
    state = "named"
    if neutral_possible and est.max_logit(text) < float(rule["max_logit_below"]):
        state = "neutral"
    elif proba[top] < unclear_below:
        state = "unclear"
    pushed, how = [], ""
    if explain:
        words = _candidates(text)
        if not words:
            pass  # only stop words: no word to remove, so nothing to explain (and no empty batch to score)
        elif len(words) <= OCCLUDE_MAX and hasattr(est, "scores"):
            pushed, how = occlusion(est, text, top, words), "occlusion"
        elif hasattr(est, "tfidf") or hasattr(est, "named_steps"):
            pushed, how = linear_words(getattr(est, "tfidf", est), text, ISEAR_LABELS[top]), "linear"
        pushed = sorted((p for p in pushed if p[1] > 0 and says_something(p[0])), key=lambda p: -p[1])[:TOP_WORDS]
    return EmotionReading(state=state, label=DISPLAY[ISEAR_LABELS[top]], confidence=float(proba[top]),
                          probabilities={DISPLAY[lab]: float(p) for lab, p in zip(ISEAR_LABELS, proba)},
                          unclear_below=unclear_below, neutral_possible=neutral_possible,
                          pushed_by=pushed, explained_by=how)
