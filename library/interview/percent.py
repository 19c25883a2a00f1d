"""Shares shown as whole percentages that add up to what the shares add up to (100 for a full split).

Rounding each share on its own made a report's "share of the vote" add to 101%: 33.5 + 33.5 + 33.0 rounds to
34 + 34 + 33. The largest-remainder method (round every share down, then give the points left over to the
largest remainders) keeps the total, and moves no share by a whole point or more. Written here rather than
taken from a library: it is ten lines, and none of the project's dependencies has it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def whole_percents(shares: Mapping[str, float]) -> dict[str, int]:
    """``{key: share}`` (0..1) -> ``{key: whole percent}``, summing to the rounded total of the shares."""
    exact = {k: 100.0 * max(0.0, float(v)) for k, v in shares.items()}
    floors = {k: math.floor(v + 1e-9) for k, v in exact.items()}
    left = round(sum(exact.values())) - sum(floors.values())
    # Ties go to the first key (dict order), so the same shares always round the same way.
    for k in sorted(exact, key=lambda k: -(exact[k] - floors[k]))[:max(0, left)]:
        floors[k] += 1
    return floors
