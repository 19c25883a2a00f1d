"""Late fusion of face, voice and words: one emotion reading, with how far the channels agree.

    fused = fuse({"video": video_mean, "audio": None, "text": text_row},
                 reliability_scores(load_reliability()))
    fused.dominant, fused.confidence, fused.coherence, fused.to_dict()

Inputs are each channel's mean probabilities over ``EMOTIONS`` (a length-7 array, or a
``{emotion: p}`` dict; missing keys are 0) or None when the channel was not recorded:

- video: the summary's ``distribution`` (``library/video/summary.py``: the mean of the
  per-frame probabilities);
- audio: ``AudioAnalysis.mean_probabilities`` (not its ``distribution``, which counts the
  seconds each emotion won);
- text: ``TextEmotionModel.predict_proba(text)[0]`` as it is (not renormalised).

Weights. A channel's base weight is its measured accuracy above chance,
``max(0, accuracy - 1/7)`` (all three models choose among seven labels). A channel at
chance carries no information and counts for nothing; above it, the weight grows in
step with accuracy, so the ratio of two channels' weights reads straight off their
model cards. (A log-odds weight suits multiplying independent votes, which these are
not, and it explodes near 100 %; a plain linear pool of probabilities is what late fusion
of weak, correlated classifiers does robustly.) If every channel present is at or below
chance, they are averaged with equal weights and the confidence is "low".

Labels a channel cannot express. The text model has no surprise or neutral (ISEAR lacks
them), and its row sums to 1 - (shame + guilt), not to 1. Averaging its zeros in would
pull surprise and neutral down, and renormalising its row after the others' would inflate
the five labels it does have. So each channel is read as a distribution *given* its own
labels (its row divided by its sum, the "coverage"), and fusion is done in two parts:

1. Channels that express all seven labels (face, voice) are averaged with their weights:
   this alone decides how much mass goes to labels outside the text's set (surprise,
   neutral), so the text can neither lower nor raise those.
2. Inside the text's five labels, the share of each is the weighted average of the face
   and voice's shares *within those five* and the text's own (renormalised) row; that
   average is then scaled back to the mass step 1 left on the five.

The text's weight is scaled by its coverage (``1 - shame - guilt``): an answer the text
model reads as mostly guilt says little about the five shared labels, and should not
speak for them with full weight (renormalising alone would turn a confident "guilt" into
a confident, wrong "sad"). With the text alone, surprise and neutral stay 0. With no
restricted channel this is just the weighted average. Several restricted channels are
folded in one after another, largest label set first, then by name.

Confidence (a word, never a bare percentage): ``margin = coverage x (p1 - p2)``, the gap
between the two most likely fused emotions, shrunk by the weighted share of the channels'
mass that lay on these seven labels at all. Below ``LOW_MARGIN`` (0.10) it is "low"; from
``FAIRLY_HIGH_MARGIN`` (0.30) "fairly high"; "moderate" between. There is no "high": the
models are right about 6 times in 10. When the channels disagree (coherence "low") it is
at most "moderate".

Agreement between two channels: over the labels both can express, each renormalised
there, ``1 - sqrt(JSD)`` with the Jensen–Shannon divergence in bits (so 1 = identical,
0 = no overlap at all), and whether their most likely emotions there are the same.
Coherence: "high" when every pair names the same emotion and every agreement is at least
``HIGH_AGREEMENT`` (0.70); "low" when no pair names the same emotion, or the mean
agreement is below ``LOW_AGREEMENT`` (0.50); "partial" otherwise; "not applicable" with a
single channel.

``state`` (what the suggestions follow) is the dominant emotion, or "mixed" when the
confidence is "low" or the coherence is "low".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from library.emotions import EMOTIONS
from library.errors import UnprocessableInput
from library.registry import CHANNEL_NAMES, CHANNELS
from library.text.emotion import UNSEEN_EMOTIONS

CHANCE = 1.0 / len(EMOTIONS)  # each model picks one of seven labels
KNOWN_CHANNELS: tuple[str, ...] = CHANNEL_NAMES
CHANNEL_WORDS: dict[str, str] = {name: channel.noun for name, channel in CHANNELS.items()}
# Labels each channel can express; a channel not listed expresses all of EMOTIONS.
CHANNEL_LABELS: dict[str, tuple[str, ...]] = {"text": tuple(e for e in EMOTIONS if e not in UNSEEN_EMOTIONS)}
# What a channel's missing mass (1 - row sum) stands for, for the notes.
OUTSIDE_MASS: dict[str, str] = {"text": "shame or guilt"}

LOW_MARGIN = 0.10
FAIRLY_HIGH_MARGIN = 0.30
HIGH_AGREEMENT = 0.70
LOW_AGREEMENT = 0.50
SUM_TOLERANCE = 0.01  # stored probabilities are rounded to 4 decimals: rows may sum to 1.0003
MIXED = "mixed"


def channel_weight(reliability: float) -> float:
    """Base weight of a channel with this measured accuracy: ``max(0, accuracy - 1/7)``."""
    return max(0.0, float(reliability) - CHANCE)


def confidence_word(margin: float) -> str:
    """"low" below LOW_MARGIN, "fairly high" from FAIRLY_HIGH_MARGIN, "moderate" between."""
    if margin < LOW_MARGIN:
        return "low"
    return "fairly high" if margin >= FAIRLY_HIGH_MARGIN else "moderate"


def agreement(p: np.ndarray, q: np.ndarray) -> float:
    """``1 - sqrt(JSD_bits(p, q))`` of two distributions over the same labels (normalised here)."""
    p = np.asarray(p, dtype=float) / np.sum(p)
    q = np.asarray(q, dtype=float) / np.sum(q)
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))

    jsd = min(1.0, max(0.0, 0.5 * kl(p) + 0.5 * kl(q)))
    return 1.0 - float(np.sqrt(jsd))


@dataclass
class ChannelReading:
    channel: str
    labels: list[str]  # the emotions this channel can express
    probabilities: dict[str, float]  # as given, EMOTIONS order
    coverage: float  # mass on its labels (text: 1 - shame - guilt), at most 1
    dominant: str  # most likely of its own labels
    reliability: float  # measured accuracy used for its weight
    weight: float  # its share of the vote, after coverage (all used channels sum to 1)

    def to_dict(self) -> dict:
        return {"channel": self.channel, "labels": list(self.labels),
                "probabilities": {e: round(v, 4) for e, v in self.probabilities.items()},
                "coverage": round(self.coverage, 4), "dominant": self.dominant,
                "reliability": round(self.reliability, 4), "weight": round(self.weight, 4)}


@dataclass
class PairAgreement:
    channels: tuple[str, str]
    shared_labels: list[str]
    agreement: float | None  # 1 - Jensen-Shannon distance over shared_labels; None if one has no mass there
    dominants: tuple[str | None, str | None]  # each one's most likely emotion among shared_labels
    dominants_match: bool | None

    def to_dict(self) -> dict:
        return {"channels": list(self.channels), "shared_labels": list(self.shared_labels),
                "agreement": None if self.agreement is None else round(self.agreement, 4),
                "dominants": list(self.dominants), "dominants_match": self.dominants_match}


@dataclass
class FusedResult:
    probabilities: dict[str, float]  # EMOTIONS order, sums to 1
    dominant: str
    confidence: str  # "low", "moderate" or "fairly high"
    margin: float  # what the confidence word was read from (see the module doc)
    coherence: str  # "high", "partial", "low" or "not applicable"
    coherence_score: float | None  # mean pairwise agreement; None with fewer than two comparable channels
    state: str  # dominant, or "mixed": what the suggestions follow
    channels_used: list[str]
    channels_missing: list[str]
    weights: dict[str, float]  # channel -> share of the vote (sums to 1)
    readings: dict[str, ChannelReading]
    agreements: list[PairAgreement]
    notes: list[str] = field(default_factory=list)  # plain-language caveats for the report

    def to_dict(self) -> dict:
        return {
            "probabilities": {e: round(v, 4) for e, v in self.probabilities.items()},
            "dominant": self.dominant,
            "confidence": self.confidence,
            "margin": round(self.margin, 4),
            "coherence": self.coherence,
            "coherence_score": None if self.coherence_score is None else round(self.coherence_score, 4),
            "state": self.state,
            "channels_used": list(self.channels_used),
            "channels_missing": list(self.channels_missing),
            "weights": {c: round(w, 4) for c, w in self.weights.items()},
            "readings": {c: r.to_dict() for c, r in self.readings.items()},
            "agreements": [a.to_dict() for a in self.agreements],
            "notes": list(self.notes),
        }


def _as_vector(channel: str, value, labels: Sequence[str]) -> np.ndarray:
    """A channel's input as a length-7 float vector in EMOTIONS order, checked."""
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(EMOTIONS))
        if unknown:
            raise ValueError(f"{channel}: unknown emotion(s) {unknown}; expected some of {list(EMOTIONS)}")
        vec = np.array([float(value.get(e, 0.0)) for e in EMOTIONS])
    else:
        vec = np.asarray(value, dtype=float).reshape(-1)
        if vec.shape != (len(EMOTIONS),):
            raise ValueError(f"{channel}: expected {len(EMOTIONS)} probabilities in EMOTIONS order, "
                             f"got shape {np.shape(value)}")
    if not np.all(np.isfinite(vec)) or np.any(vec < 0):
        raise ValueError(f"{channel}: probabilities must be finite and non-negative")
    outside = [e for e, v in zip(EMOTIONS, vec) if e not in labels and v > 1e-6]
    if outside:
        raise ValueError(f"{channel}: has probability on {outside}, which it cannot express")
    total = float(vec.sum())
    if total <= 0:
        raise ValueError(f"{channel}: all probabilities are 0")
    if total > 1 + SUM_TOLERANCE:
        raise ValueError(f"{channel}: probabilities sum to {total:.4f}, more than 1")
    return vec


def _reliability(channel: str, reliability: Mapping) -> float:
    if channel not in reliability:
        raise ValueError(f"no reliability for channel {channel!r}; pass its measured accuracy "
                         "(or a fallback) in `reliability`")
    value = getattr(reliability[channel], "score", reliability[channel])  # a float or a ChannelReliability
    if value is None or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"reliability of {channel!r} must be an accuracy within 0..1, got {value!r}")
    return float(value)


def _pool(vectors: dict[str, np.ndarray], label_sets: dict[str, tuple[str, ...]],
          weights: dict[str, float]) -> tuple[np.ndarray, list[str]]:
    """Fused distribution over EMOTIONS (the two-part rule in the module doc) and notes."""
    notes: list[str] = []
    full = [c for c in vectors if len(label_sets[c]) == len(EMOTIONS)]
    restricted = sorted((c for c in vectors if c not in full), key=lambda c: (-len(label_sets[c]), c))
    # Each channel as a distribution given its own labels.
    cond = {c: v / v.sum() for c, v in vectors.items()}
    q, total_w = None, 0.0
    if full:
        total_w = sum(weights[c] for c in full)
        q = sum(weights[c] * cond[c] for c in full) / total_w
    for c in restricted:
        mask = np.array([e in label_sets[c] for e in EMOTIONS])
        if q is None:
            q, total_w = cond[c].copy(), weights[c]
            continue
        m_in = float(q[mask].sum())
        if m_in <= 0:  # the others put everything on labels this channel lacks: it has nothing to add
            notes.append(f"The {CHANNEL_WORDS.get(c, c)} could not change the result: the other channels "
                         "put everything on emotions it cannot show.")
            continue
        inside = (total_w * q[mask] / m_in + weights[c] * cond[c][mask]) / (total_w + weights[c])
        q[mask] = m_in * inside
        total_w += weights[c]
    return q / q.sum(), notes


def _coherence(pairs: list[PairAgreement], n_used: int) -> tuple[str, float | None]:
    scored = [p for p in pairs if p.agreement is not None]
    if n_used < 2 or not scored:
        return "not applicable", None
    values = [p.agreement for p in scored]
    mean = float(np.mean(values))
    matches = [p.dominants_match for p in scored]
    if all(matches) and min(values) >= HIGH_AGREEMENT:
        return "high", mean
    if not any(matches) or mean < LOW_AGREEMENT:
        return "low", mean
    return "partial", mean


def fuse(channels: Mapping[str, np.ndarray | Mapping[str, float] | None],
         reliability: Mapping[str, float],
         labels: Mapping[str, Sequence[str]] | None = None) -> FusedResult:
    """Fuse the channels' mean emotion probabilities (rule and words in the module doc).

    ``channels``: ``{name: probabilities or None}``; ``reliability``: ``{name: measured
    accuracy}`` (floats, or ``ChannelReliability`` objects) for at least every channel
    given; ``labels``: overrides ``CHANNEL_LABELS`` (which labels each channel can express).
    Raises ``UnprocessableInput`` when no channel has a reading, ``ValueError`` for a
    malformed reading or a missing or out-of-range reliability.
    """
    label_sets = dict(CHANNEL_LABELS)
    label_sets.update({c: tuple(ls) for c, ls in (labels or {}).items()})
    present = {c: v for c, v in channels.items() if v is not None}
    missing = [c for c, v in channels.items() if v is None]
    missing += [c for c in KNOWN_CHANNELS if c not in channels]
    if not present:
        raise UnprocessableInput("There is nothing to combine: no channel gave a reading "
                                 "(no face, voice or words were analysed).")
    used = sorted(present, key=lambda c: (KNOWN_CHANNELS.index(c) if c in KNOWN_CHANNELS else len(KNOWN_CHANNELS), c))
    sets = {c: label_sets.get(c, EMOTIONS) for c in used}
    vectors = {c: _as_vector(c, present[c], sets[c]) for c in used}
    coverage = {c: min(1.0, float(v.sum())) for c, v in vectors.items()}
    rel = {c: _reliability(c, reliability) for c in used}
    notes: list[str] = []

    base = {c: channel_weight(rel[c]) for c in used}
    at_chance = not any(base.values())
    if at_chance:
        base = {c: 1.0 for c in used}
        notes.append("No channel used is measured as better than guessing, so they were simply averaged.")
    for c in used:
        if base[c] == 0:
            notes.append(f"The {CHANNEL_WORDS.get(c, c)} counted for nothing: its model is measured "
                         "no better than guessing.")
    effective = {c: base[c] * coverage[c] for c in used}
    pooled = {c: v for c, v in vectors.items() if effective[c] > 0}
    fused, pool_notes = _pool(pooled, sets, effective)
    notes += pool_notes
    total = sum(effective.values())
    weights = {c: effective[c] / total for c in used}

    order = np.argsort(-fused, kind="stable")
    dominant = EMOTIONS[int(order[0])]
    mass_on_labels = sum(base[c] * coverage[c] for c in used) / sum(base.values())
    margin = mass_on_labels * float(fused[order[0]] - fused[order[1]])

    readings = {}
    for c in used:
        idx = [EMOTIONS.index(e) for e in sets[c]]
        readings[c] = ChannelReading(
            channel=c, labels=list(sets[c]), probabilities={e: float(p) for e, p in zip(EMOTIONS, vectors[c])},
            coverage=coverage[c], dominant=EMOTIONS[idx[int(np.argmax(vectors[c][idx]))]],
            reliability=rel[c], weight=weights[c])

    pairs = _pair_agreements(used, sets, vectors)
    coherence, coherence_score = _coherence(pairs, len(used))

    confidence = "low" if at_chance else confidence_word(margin)
    if coherence == "low" and confidence == "fairly high":
        confidence = "moderate"  # a confident blend of channels that contradict each other would overstate
    state = MIXED if confidence == "low" or coherence == "low" else dominant

    notes += _label_notes(used, sets, coverage, missing)

    return FusedResult(
        probabilities={e: float(p) for e, p in zip(EMOTIONS, fused)}, dominant=dominant, confidence=confidence,
        margin=margin, coherence=coherence, coherence_score=coherence_score, state=state, channels_used=used,
        channels_missing=missing, weights=weights, readings=readings, agreements=pairs, notes=notes)


def _pair_agreements(used: Sequence[str], sets: Mapping[str, Sequence[str]],
                     vectors: Mapping[str, np.ndarray]) -> list[PairAgreement]:
    """How each pair of channels agrees, over the labels both can show."""
    pairs = []
    for a, b in combinations(used, 2):
        shared = [e for e in EMOTIONS if e in sets[a] and e in sets[b]]
        idx = [EMOTIONS.index(e) for e in shared]
        pa, pb = vectors[a][idx], vectors[b][idx]
        if pa.sum() <= 0 or pb.sum() <= 0:
            pairs.append(PairAgreement((a, b), shared, None, (None, None), None))
            continue
        da, db = shared[int(np.argmax(pa))], shared[int(np.argmax(pb))]
        pairs.append(PairAgreement((a, b), shared, agreement(pa, pb), (da, db), da == db))
    return pairs


def _label_notes(used: Sequence[str], sets: Mapping[str, Sequence[str]], coverage: Mapping[str, float],
                 missing: Sequence[str]) -> list[str]:
    """What the reading cannot say: labels a channel cannot show, mass outside the seven, channels absent."""
    notes = []
    for c in used:
        lacking = [e for e in EMOTIONS if e not in sets[c]]
        if lacking:
            others = [CHANNEL_WORDS.get(o, o) for o in used if o != c and all(e in sets[o] for e in lacking)]
            where = f"come from the {' and '.join(others)} only" if others else "cannot be read here"
            notes.append(f"The {CHANNEL_WORDS.get(c, c)} cannot show {' or '.join(lacking)}, "
                         f"so {' and '.join(lacking)} {where}.")
        if coverage[c] < 1 - SUM_TOLERANCE:
            what = OUTSIDE_MASS.get(c, "feelings outside these seven emotions")
            notes.append(f"{1 - coverage[c]:.0%} of what the {CHANNEL_WORDS.get(c, c)} suggested was {what}, "
                         "which this combined reading leaves out.")
    if missing:
        notes.append("No reading from the " + " or the ".join(CHANNEL_WORDS.get(c, c) for c in missing)
                     + "; the others still report.")
    return notes
