"""Text normalisation shared by training and serving (offline: no NLTK data needed).

Steps, in order: repair encoding artefacts -> lowercase -> expand contractions ->
tokenise -> drop punctuation/digits -> (drop stop words) -> (lemmatise) -> (pad/truncate).

Why these tools (measured, see docs/decisions.md):
- tokeniser: one regular expression for word tokens. NLTK's Treebank tokenizer needs
  no data but splits contractions ("do", "n't") that we expand beforehand anyway, and
  it is several times slower; for words-only output the two agree.
- stop words: gensim's list, rebuilt from scikit-learn's (NLTK's needs a download that fails offline).
- lemmatiser: simplemma (ships its dictionaries inside the wheel, no download).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

# The essays were typed on Macs and re-encoded: Mac-Roman bytes decoded as Latin-1
# turn typographic quotes into letters ("IÕm" = "I'm"). Map the ones seen in the
# corpus, plus the usual Unicode quotes, back to ASCII.
ARTEFACTS = {
    "\u00d5": "'",  # Õ  Mac-Roman right single quote
    "\u00d4": "'",  # Ô  Mac-Roman left single quote
    "\u00b9": "'",  # ¹  apostrophe in a second mis-encoding seen in the corpus ("I¹m")
    "\u00d2": '"',  # Ò  Mac-Roman left double quote
    "\u00d3": '"',  # Ó  Mac-Roman right double quote
    "\u00d0": " - ",  # Ð  Mac-Roman en dash
    "\u00d1": " - ",  # Ñ  Mac-Roman em dash
    "\u00c9": "...",  # É  Mac-Roman ellipsis
    "\u008e": "e",  # Ž  (é in Mac-Roman) as in "clichŽ"
    "\u017d": "e",  # Ž  same byte decoded as cp1252
    "\u0178": "u",  # Ÿ  (ü in Mac-Roman)
    "\u00b8": " ",  # ¸  stray fraction sign ("1¸ hours")
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": " - ",
    "\u2014": " - ",
}
_ARTEFACT_TABLE = str.maketrans(ARTEFACTS)

# Whole-word contractions first (irregular ones and the apostrophe-less spellings
# common in stream-of-consciousness typing), then regular suffixes.
_WHOLE = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
    "ain't": "is not", "let's": "let us", "y'all": "you all",
    "it's": "it is", "that's": "that is", "what's": "what is", "there's": "there is",
    "here's": "here is", "he's": "he is", "she's": "she is", "who's": "who is",
    "where's": "where is", "how's": "how is",
    "dont": "do not", "doesnt": "does not", "didnt": "did not", "isnt": "is not",
    "wasnt": "was not", "arent": "are not", "werent": "were not", "havent": "have not",
    "hasnt": "has not", "hadnt": "had not", "couldnt": "could not", "wouldnt": "would not",
    "shouldnt": "should not", "cant": "can not", "wont": "will not", "im": "i am",
    "ive": "i have", "youre": "you are", "theyre": "they are", "thats": "that is",
}
_SUFFIXES = (
    ("n't", " not"), ("'re", " are"), ("'m", " am"), ("'ll", " will"),
    ("'ve", " have"), ("'d", " would"), ("'s", ""),  # remaining 's: possessive, dropped
)
_WORD_WITH_APOS = re.compile(r"[a-z]+(?:'[a-z]+)*")
_TOKEN = re.compile(r"[a-z]+")

# gensim's list (the Glasgow list) also holds content words that matter here
# ("cry", "empty", "serious", "computer"); keep those.
_NOT_STOP = {
    "computer", "system", "bill", "fire", "cry", "mill", "sincere", "serious", "empty",
    "thick", "thin", "interest", "detail", "describe", "fill", "find", "found", "amount",
}


# The models were trained with gensim's stop list; it is scikit-learn's (the Glasgow list) plus these
# 19 words. Rebuilt from scikit-learn so serving does not install gensim (and its ~1 s import) for a
# word list; tests/test_text_engine.py checks it equals gensim's wherever gensim is installed.
_GENSIM_EXTRA = {
    "computer", "did", "didn", "does", "doesn", "doing", "don", "just", "kg", "km", "make", "quite",
    "really", "regarding", "say", "unless", "used", "using", "various",
}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words (gensim's list minus a few content words)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (frozenset(ENGLISH_STOP_WORDS) | _GENSIM_EXTRA) - _NOT_STOP


# Words for counting in raw text: letters/digits, with inner apostrophes or hyphens.
_RAW_WORD = re.compile(r"[^\W_]+(?:['\u2019\u00d5\u00b9-][^\W_]+)*")


def fix_artefacts(text: str) -> str:
    """Map Mac-Roman mojibake and typographic punctuation to plain ASCII equivalents."""
    return text.translate(_ARTEFACT_TABLE)


def _expand_word(match: re.Match) -> str:
    word = match.group(0)
    if word in _WHOLE:
        return _WHOLE[word]
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return word[: -len(suffix)] + replacement
    return word


def expand_contractions(text: str) -> str:
    """Expand English contractions in lower-cased, artefact-free text ("i'm" -> "i am")."""
    return _WORD_WITH_APOS.sub(_expand_word, text)


def normalise(text: str) -> str:
    """Artefacts fixed, lower-cased, contractions expanded (punctuation still present)."""
    return expand_contractions(fix_artefacts(text).lower())


def tokenize(text: str) -> list[str]:
    """Alphabetic word tokens of normalised text: punctuation and digits dropped."""
    return _TOKEN.findall(normalise(text))


def count_words(text: str) -> int:
    """Number of words in raw text, as a reader would count them ("don't" is one word)."""
    return len(_RAW_WORD.findall(text))


class Lemmatiser:
    """English lemmatiser backed by simplemma, with a per-instance cache (words repeat a lot)."""

    def __init__(self) -> None:
        import simplemma  # imported here: loading its dictionary costs ~0.2 s

        self._lemmatize = simplemma.lemmatize
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        lemma = self._cache.get(word)
        if lemma is None:
            lemma = self._lemmatize(word, lang="en").lower()
            self._cache[word] = lemma
        return lemma

    def __getstate__(self):  # pickle without the cache or the module function
        return {}

    def __setstate__(self, state) -> None:
        self.__init__()


class TextNormaliser:
    """Callable text -> tokens, configured once; used as a TF-IDF analyzer and by the LSTM.

    ``drop_stopwords`` and ``lemmatise`` are switches so cross-validation can measure them.
    ``min_len`` drops one-letter tokens that are left over from e.g. initials.
    """

    def __init__(self, drop_stopwords: bool = True, lemmatise: bool = True, min_len: int = 2):
        self.drop_stopwords = drop_stopwords
        self.lemmatise = lemmatise
        self.min_len = min_len
        self._lemmatiser = Lemmatiser() if lemmatise else None
        self._stop = stop_words() if drop_stopwords else frozenset()

    def __call__(self, text: str) -> list[str]:
        stop = self._stop
        tokens = [t for t in tokenize(text) if len(t) >= self.min_len and t not in stop]
        if self._lemmatiser is not None:
            tokens = [self._lemmatiser(t) for t in tokens]
            if stop:  # a lemma can be a stop word ("was" -> "be")
                tokens = [t for t in tokens if t not in stop]
        return tokens

    def __repr__(self) -> str:
        return (f"TextNormaliser(drop_stopwords={self.drop_stopwords}, "
                f"lemmatise={self.lemmatise}, min_len={self.min_len})")


_CONTENT = None


def content_words(text: str, normaliser: TextNormaliser | None = None) -> list[str]:
    """Normalised, lemmatised, stop-word-free tokens of ``text`` (used for top words)."""
    global _CONTENT
    if normaliser is None:
        # One shared default instance: building a Lemmatiser loads a dictionary, and the
        # instance holds only a cache of pure-function results, so sharing is safe.
        if _CONTENT is None:
            _CONTENT = TextNormaliser(drop_stopwords=True, lemmatise=True)
        normaliser = _CONTENT
    return normaliser(text)


def pad_truncate(ids: Sequence[int], length: int, pad: int = 0) -> list[int]:
    """Fixed-length id sequence for the neural model: keep the first ``length`` ids, pad at the end."""
    ids = list(ids[:length])
    return ids + [pad] * (length - len(ids))


def pad_batch(sequences: Iterable[Sequence[int]], length: int, pad: int = 0):
    """(N, length) int32 array of padded/truncated sequences."""
    import numpy as np

    return np.array([pad_truncate(s, length, pad) for s in sequences], dtype="int32").reshape(-1, length)
