"""Words for probabilities: say how sure the model is without overstating it; the channels' names in a sentence."""

from library.registry import CHANNELS, TIMELINE_CHANNELS


# Trait bands in whole percentage points from 50: under NO_LEAN_UNDER is no lean, under SLIGHT_UNDER a slight one.
NO_LEAN_UNDER, SLIGHT_UNDER = 8, 20


def lean(probability: float) -> str:
    """How a trait probability reads in words; the model is weak, so the bands are wide. Read from the whole
    percentage the page shows, so that 42% and 58% (both 8 points from 50) read alike: on the unrounded
    figures 0.57 read "no clear lean" and 0.42 "slight lean towards low", which looked arbitrary."""
    percent = round(100 * probability)
    distance = abs(percent - 50)
    side = "high" if percent >= 50 else "low"
    if distance < NO_LEAN_UNDER:
        return "no clear lean"
    if distance < SLIGHT_UNDER:
        return f"slight lean towards {side}"
    return f"leans {side}"


def lean_key() -> str:
    """The bands ``lean`` reads, in words, for the page beside the figures."""
    low, high = 50 - NO_LEAN_UNDER + 1, 50 + NO_LEAN_UNDER - 1
    return (f"no clear lean: {low}–{high}%; slight lean: {high + 1}–{50 + SLIGHT_UNDER - 1}% towards high, "
            f"{50 - SLIGHT_UNDER + 1}–{low - 1}% towards low; leans: {50 + SLIGHT_UNDER}% or more, "
            f"{50 - SLIGHT_UNDER}% or less")


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


def channel_noun(name: str) -> str:
    """What a channel reads, in a sentence: "face" (templates: ``map('channel_noun')``)."""
    return CHANNELS[name].noun


def channel_answer(name: str) -> str:
    """The interview answer a channel reads: "video answer"."""
    return CHANNELS[name].answer


def install(app) -> None:
    """The registry's channel names for every template, so that no page keeps its own list of them."""
    app.add_template_filter(channel_noun)
    app.add_template_filter(channel_answer)
    app.add_template_global({name: c.noun for name, c in CHANNELS.items()}, "channel_nouns")
    app.add_template_global(TIMELINE_CHANNELS, "timeline_channels")
