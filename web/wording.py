"""Words for probabilities: say how sure the model is without overstating it."""


def lean(probability: float) -> str:
    """How a trait probability reads in words; the model is weak, so the bands are wide."""
    distance = abs(probability - 0.5)
    side = "high" if probability >= 0.5 else "low"
    if distance < 0.08:
        return "no clear lean"
    if distance < 0.2:
        return f"slight lean towards {side}"
    return f"leans {side}"


def ordinal_percentile(value: float | None, n_earlier: int) -> str:
    if value is None or n_earlier == 0:
        return "no earlier users yet"
    words = f"higher than {value:.0f}% of earlier users"
    # A percentile among a handful of people says little: show how many there were.
    return words if n_earlier >= 20 else f"{words} (only {n_earlier} so far)"
