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


def ordinal_percentile(value: float | None, n_earlier: int, tied: float | None = None) -> str:
    """Where a value stands among earlier users. ``value`` is the mid-rank percentile (ties count
    half, library/history/compare.py) and ``tied`` the share of earlier users with the very same value:
    equal scores read "the same as", never "higher than 50%"."""
    if value is None or n_earlier == 0:
        return "no earlier users yet"
    tied = tied or 0.0
    if tied >= 99.5:
        words = "the same as every earlier user" if n_earlier > 1 else "the same as the earlier user"
    else:
        below = max(0.0, value - tied / 2)  # strictly lower than this person's
        words = f"higher than {below:.0f}% of earlier users"
        if tied > 0:
            words += f", the same as {tied:.0f}%"
    # A percentile among a handful of people says little: show how many there were.
    if n_earlier >= 20 or words.endswith("the earlier user"):
        return words
    return f"{words} (only {n_earlier} so far)"


def describe_result(channel: str, result) -> str:
    """One line that tells a stored result from the others in a list ("My results"): its main
    reading and its length, from the figures stored with it (``result``: the dataclass of its kind)."""
    def seconds(value) -> str:
        return f", {float(value):.0f} s" if value else ""

    if channel == "text":
        traits = result.traits
        strongest = max(traits, key=lambda t: abs(traits[t] - 0.5), default=None)
        lean_words = f"; {strongest}: {lean(traits[strongest])}" if strongest else ""
        return f"{result.word_count} words{lean_words}"
    if channel == "video":
        kind = "uploaded video" if result.source == "file" else "live video"
        face = f"face: {result.dominant}" if result.frames_with_face and result.dominant else "no face found"
        return f"{kind}, {face}{seconds(result.duration_s)}"
    if channel == "audio":
        reading = result.dominant if result.confident else "unclear"
        return f"voice: {reading or '—'}{seconds(result.duration_s)}"
    if channel == "interview":
        fused = result.report.get("fused") or {}
        answered = result.answered()
        return f"combined: {fused.get('dominant', '—')}; {len(answered)} of {len(result.steps) or 3} steps answered"
    return ""
