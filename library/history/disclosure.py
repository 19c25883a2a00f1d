"""What may be published about everyone: figures over enough people, with noise the data seeds, rounded.

The attack this stops: read a public figure just before and just after one person's analysis;
n x mean after - (n - 1) x mean before is that person's figure, to as many decimals as were shown
(all five traits, a voice's shares of time, a word count), and over one person every quantile is theirs.

What holds (``Disclosure``'s defaults; docs/decisions.md "Publishing aggregates"):

* Over fewer than ``min_people`` distinct people (owners of a stored analysis of the channel), only
  the number of analyses is published: no mean, spread, quantile, share or word.
* Means and shares carry Laplace noise calibrated to the most one analysis can move them (the
  figure's range / n for a mean, 1 for a count), at ``epsilon`` (1): each published figure is
  epsilon-differentially private for one analysis. A before/after difference of two means gives the
  person's value plus noise of about 1.4 x the figure's whole range: nothing.
* The noise is a function of a server secret, the data's state (which rows) and the figure's name:
  the same state always gives the same answer on every worker, so asking again averages nothing
  away, and without the secret the noise cannot be computed and subtracted. Each new state is a new
  draw: someone who adds k analyses after a person's sees k releases, and averaging them narrows
  the noise as 1 / sqrt(k) (100 analyses, rate-limited, leave a trait known to +-0.14 of its range).
* Spread and quantiles get the same noise and rounding but have no formal bound (one value may move a
  quantile by the gap to its neighbour); the minimum of people and the noise are their protection.
* A person's percentile among earlier users ("higher than 73%") is shown at every size, from a count of
  those below with the same noise as any count (one analysis moves it by 1), keyed by the value compared
  too: before and after someone's analysis, the same text's percentile no longer says on which side of it
  that person's value lies. Ties (the very same value) are counted exactly.

Cost in accuracy: a mean over n analyses is off by range / (n x epsilon) on average: 0.01 for a
trait (range 1) at n = 100, 0.001 at n = 1,000; a word count (range 0-2,000) by 20 words at n = 100.
Values outside a figure's range are clipped to it before averaging.

Hand-written rather than a differential-privacy library (OpenDP, diffprivlib): those draw noise
from a random source, and here the same state must give the same answer on every worker; the
mechanism itself is the Laplace distribution's inverse CDF, one line.
"""

from __future__ import annotations

import hashlib
import math
import struct
from dataclasses import dataclass

import numpy as np

# Each published figure's range: values are clipped to it, and the noise scales with it.
RANGES: dict[str, tuple[float, float]] = {
    "traits": (0.0, 1.0),
    "distribution": (0.0, 1.0),
    "fused": (0.0, 1.0),
    "word_count": (0.0, 2000.0),  # a ~650-word essay is typical; texts may be far longer, clipped here
    "blinks_per_minute": (0.0, 60.0),  # people blink 10-20 times a minute
}


@dataclass(frozen=True)
class Disclosure:
    """The publishing rule: at least ``min_people`` people, noise at ``epsilon``, keyed by ``secret``."""

    min_people: int = 20
    epsilon: float = 1.0
    secret: bytes = b""


def laplace(key: bytes, scale: float) -> float:
    """A Laplace(0, scale) draw that is a function of ``key``: the same key gives the same draw."""
    digest = hashlib.blake2b(key, digest_size=8).digest()
    u = (struct.unpack(">Q", digest)[0] + 0.5) / 2.0**64 - 0.5  # uniform in (-0.5, 0.5), never 0 at the ends
    return -scale * math.copysign(1.0, u) * math.log(1.0 - 2.0 * abs(u))


def _digits(low: float, high: float) -> int:
    """Decimals that show a thousandth of the range: 3 for a probability, 0 for a word count."""
    return max(0, 3 - int(math.floor(math.log10(high - low))))


class Release:
    """The published figures of one state of a channel's rows (``state``: bytes that name those rows)."""

    def __init__(self, policy: Disclosure, people: int, state: bytes):
        self.policy = policy
        self.people = people
        self.open = people >= max(1, policy.min_people)
        self._key = policy.secret + b"\x00" + state

    def noise(self, name: str, scale: float) -> float:
        return laplace(self._key + b"\x00" + name.encode("utf-8"), scale)

    def summary(self, name: str, values: np.ndarray, figure: str | None = None) -> dict[str, float] | None:
        """Mean, spread and quantiles of the values present, noised and rounded; None when not open or empty.

        ``figure`` names the range (``RANGES``); by default the part of ``name`` before a dot.
        """
        values = values[~np.isnan(values)]
        if not self.open or values.size == 0:
            return None
        low, high = RANGES[figure or name.split(".")[0]]
        values = np.clip(values, low, high)
        scale = (high - low) / (values.size * self.policy.epsilon)
        digits = _digits(low, high)
        quantiles = dict(zip(QUANTILES, np.quantile(values, list(QUANTILES.values()))))
        exact = {"mean": float(values.mean()), "std": float(values.std()), **quantiles}
        out = {part: round(float(np.clip(v + self.noise(f"{name}.{part}", scale), low, high)), digits)
               for part, v in exact.items()}
        out["std"] = min(out["std"], (high - low) / 2)
        return {"mean": out["mean"], "std": out["std"], "n": int(values.size), **{q: out[q] for q in QUANTILES}}

    def mean(self, name: str, values: np.ndarray, figure: str | None = None) -> float | None:
        """The published mean of the values present (None when not open or empty)."""
        found = self.summary(name, values, figure)
        return None if found is None else found["mean"]

    def count(self, name: str, count: float) -> int:
        """A count one analysis changes by at most 1, noised and never below 0."""
        return max(0, int(round(count + self.noise(name, 1.0 / self.policy.epsilon))))

    def percentile(self, name: str, value: float, others: np.ndarray) -> tuple[float | None, float | None]:
        """(percentile of ``value`` among ``others``, ties counting half; share of ties), in percent, the count
        below noised (``count``, keyed by the value too); (None, None) with no others."""
        others = np.asarray(others, dtype=float)
        if others.size == 0:
            return None, None
        ties = int(np.count_nonzero(others == value))
        below = float(np.count_nonzero(others < value)) + self.noise(f"{name}:below:{value!r}", 1.0 / self.policy.epsilon)
        below = min(max(below, 0.0), float(others.size - ties))
        return 100.0 * (below + 0.5 * ties) / others.size, 100.0 * ties / others.size


QUANTILES = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
