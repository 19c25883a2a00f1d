"""Altair chart specifications for the dashboards (rendered in the browser by Vega-Embed)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from library.registry import CHANNELS
from library.results import TimelinePoint

YOU = "You"
OTHERS = "Earlier users (mean)"
PALETTE = alt.Scale(domain=[YOU, OTHERS], range=["#3b6fd8", "#b9c2d0"])

# Every chart takes its card's width ("container"), so a phone's 300-odd pixels and a laptop's 900 both
# have to read. Vega's ``width`` signal (the plot's width in pixels) lets labels follow it: below NARROW
# the emotion names turn to 40 degrees (seven names side by side ran together on a phone). Colour keys
# are not Vega legends, which do not wrap (on a phone they were cut: "happ", "Earlier users ("): each
# chart lists its key in ``usermeta.key`` and static/js/charts.js writes it under the chart as HTML.
NARROW = 420



def _table(rows, columns: list[str] | None = None) -> dict:
    """Rows (dicts, or tuples named by ``columns``) as inline chart data: plain JSON values, no pandas needed
    (it was 84 MB of the serving environment for nothing else)."""
    if columns is not None:
        rows = [{c: row[c] for c in columns} if isinstance(row, dict) else dict(zip(columns, row)) for row in rows]
    return {"values": [{k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()} for row in rows]}

def _keyed(spec: dict, items: list[tuple[str, str]]) -> dict:
    """``spec`` with its colour key (label, colour) for the page to draw under it."""
    spec["usermeta"] = {**spec.get("usermeta", {}), "key": [{"label": label, "colour": colour} for label, colour in items]}
    return spec


def _scale_key(scale: alt.Scale, labels: list[str] | None = None) -> list[tuple[str, str]]:
    pairs = dict(zip(scale.domain, scale.range))
    return [(label, pairs[label]) for label in (labels or list(scale.domain))]


def _emotion_axis() -> alt.Axis:
    """Emotion names under bars: level when there is room, at an angle when there is not."""
    return alt.Axis(labelFontSize=12, labelAngle={"expr": f"width < {NARROW} ? -40 : 0"},
                    labelAlign={"expr": f"width < {NARROW} ? 'right' : 'center'"},
                    labelBaseline={"expr": f"width < {NARROW} ? 'middle' : 'top'"})


def trait_chart(traits: list[dict[str, Any]]) -> dict:
    rows = []
    for item in traits:
        name = item["trait"].capitalize()
        rows.append({"trait": name, "who": YOU, "probability": item["probability"]})
        if item["earlier_mean"] is not None:
            rows.append({"trait": name, "who": OTHERS, "probability": item["earlier_mean"]})
    data = _table(rows)
    chance = alt.Chart(_table([{"x": 0.5}])).mark_rule(strokeDash=[4, 4], color="#666").encode(x="x:Q")
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("trait:N", title=None, sort=[t["trait"].capitalize() for t in traits],
                axis=alt.Axis(labelFontSize={"expr": f"width < {NARROW // 2} ? 11 : 13"})),
        yOffset=alt.YOffset("who:N", sort=[YOU, OTHERS]),
        # Two lines: on a phone the one-line title ran past the chart and was cut.
        # In percent, as the tables beside it show it (a trait read "0.57" on one page and "48%" on another).
        x=alt.X("probability:Q", title=['Chance of "high"', "(dashed line: 50%, no lean)"],
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1], format=".0%")),
        color=alt.Color("who:N", scale=PALETTE, title=None, legend=None),
        tooltip=[alt.Tooltip("trait:N"), alt.Tooltip("who:N"), alt.Tooltip("probability:Q", format=".0%")],
    )
    who = [YOU, OTHERS] if any(t["earlier_mean"] is not None for t in traits) else [YOU]
    return _keyed((bars + chance).properties(width="container", height=280).to_dict(), _scale_key(PALETTE, who))


def words_charts(mine: list[tuple[str, int]], everyone: list[tuple[str, int]]) -> dict[str, dict]:
    """Your top words and everyone's, as two charts drawn side by side or one above the other (each
    takes its own card's width: a faceted chart cannot, and was 600 px wide on a phone). Each bar is how
    many times the word was used (a reader expects counts from "most used words"; shares of the list's
    total read as percentages of the text), and for everyone's how many people used it, give or take a little
    noise; each list on its own scale."""
    def chart(pairs, colour, title, axis_title):
        data = _table([{"word": w, "count": c} for w, c in pairs], columns=["word", "count"])
        return alt.Chart(data, title=alt.TitleParams(title, anchor="start", fontSize=13)).mark_bar(color=colour).encode(
            # At most one tick per whole count: with 4 ticks up to 2, the axis read "0 1 1 2 2".
            x=alt.X("count:Q", title=axis_title, axis=alt.Axis(format="d", tickMinStep=1,
                                                               tickCount=min(4, max([c for _, c in pairs] + [1])))),
            y=alt.Y("word:N", sort="-x", title=None, axis=alt.Axis(labelLimit=110)),
            tooltip=["word:N", alt.Tooltip("count:Q", title=axis_title.lower())],
        ).properties(width="container", height=max(120, 20 * len(pairs))).to_dict()

    specs = {"words": chart(mine, "#3b6fd8", YOU, "Times you used it")}
    if everyone:
        # Everyone's words are counted by people, not uses (library/history/figures.py: no word is one person's).
        specs["everyone_words"] = chart(everyone, "#8a94a6", "Everyone before you", "People who used it (about)")
    return specs


EMOTION_COLOURS = alt.Scale(
    domain=["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"],
    range=["#d64541", "#6b8e23", "#8e44ad", "#f5b700", "#3b6fd8", "#17a2b8", "#9aa3b2"],
)


# Charts drawn one above the other on a shared time axis reserve the same room for their y axis,
# so that the same second sits at the same place in each.
Y_AXIS_EXTENT = 56


def _seconds_axis(field: str, seconds: tuple[float, float] | None) -> alt.X:
    """Time in seconds; with ``seconds``, a fixed domain and whole-second ticks shared by stacked charts."""
    if seconds is None:
        return alt.X(f"{field}:Q", title="Seconds")
    return alt.X(f"{field}:Q", title="Seconds", scale=alt.Scale(domain=list(seconds), nice=False),
                 axis=alt.Axis(tickMinStep=1, format="d"))


def emotion_timeline_chart(timeline: Sequence[TimelinePoint], emotions: tuple[str, ...],
                           seconds: tuple[float, float] | None = None, title: str = "Probability",
                           legend: bool = True) -> dict:
    """Stacked probabilities of each emotion over time (one row per analysed frame or second).
    ``seconds``: a fixed time axis, for charts stacked on the same seconds (``answer_timeline_charts``)."""
    rows = [{"t": point.t, "emotion": e, "probability": point.probabilities[e]}
            for point in timeline for e in emotions]
    data = _table(rows, columns=["t", "emotion", "probability"])
    chart = alt.Chart(data).mark_area(interpolate="monotone").encode(
        x=_seconds_axis("t", seconds),
        y=alt.Y("probability:Q", stack="normalize", title=title,
                axis=alt.Axis(format="%", minExtent=Y_AXIS_EXTENT, maxExtent=Y_AXIS_EXTENT)),
        color=alt.Color("emotion:N", scale=EMOTION_COLOURS, sort=list(emotions), title=None,
                        legend=None),
        order=alt.Order("emotion_order:Q"),
        tooltip=[alt.Tooltip("t:Q", title="second", format=".1f"), "emotion:N",
                 alt.Tooltip("probability:Q", format=".0%")],
    ).transform_calculate(
        emotion_order=f"indexof({list(emotions)!r}, datum.emotion)",
    )
    spec = chart.properties(width="container", height=240).to_dict()
    return _keyed(spec, _scale_key(EMOTION_COLOURS, list(emotions))) if legend else spec


def answer_timeline_charts(face: Sequence[TimelinePoint], voice: Sequence[TimelinePoint] | None,
                           segments: list[dict[str, Any]] | None, duration_s: float,
                           emotions: tuple[str, ...]) -> dict[str, dict]:
    """One answer's face, voice and words on the same seconds: up to three charts to stack, each with
    the same time axis (0 to the answer's end) and the same room for its y axis. The words are the
    transcript's segments as bars over the seconds they were said (the text in their tooltips; the
    page lists them too), cut at the answer's end (Whisper's last timestamp may overshoot the sound).
    The emotion colour key is drawn once, under the last emotion chart."""
    end = max([float(duration_s or 0)] + [p.t for p in [*face, *(voice or [])]]) or 1.0
    seconds = (0.0, end)
    specs = {}
    if face:
        specs["timeline"] = emotion_timeline_chart(face, emotions, seconds, "Face", legend=not voice)
    if voice:
        specs["voice_timeline"] = emotion_timeline_chart(voice, emotions, seconds, "Voice")
    said = [s for s in segments or [] if float(s["start"]) < end]
    if said:
        # Each stretch of speech is numbered on its bar, as in the numbered list of what was said under the
        # chart: a tooltip alone (hover) labelled nothing on a phone.
        data = _table([{"start": s["start"], "end": min(float(s["end"]), end), "text": s["text"], "row": "Words",
                        "n": str(i), "mid": (float(s["start"]) + min(float(s["end"]), end)) / 2}
                       for i, s in enumerate(said, start=1)])
        y = alt.Y("row:N", title="Words", axis=alt.Axis(labels=False, ticks=False, domain=False,
                                                        minExtent=Y_AXIS_EXTENT, maxExtent=Y_AXIS_EXTENT))
        # aria=False on both layers: layered, Vega gave the bars' group an image role without a name (axe's
        # svg-img-alt); the chart is named as a whole (its aria-label) and the list under it says every part.
        bars = alt.Chart(data).mark_bar(color="#9ccf95", stroke="#4f8a47", height=18, aria=False).encode(
            x=_seconds_axis("start", seconds), x2="end:Q",
            # titled like the emotion charts' y axes ("Face", "Voice"): a title takes room beside the axis
            y=y,
            tooltip=[alt.Tooltip("n:N", title="part"), alt.Tooltip("start:Q", title="from (s)", format=".1f"),
                     alt.Tooltip("end:Q", title="to (s)", format=".1f"), alt.Tooltip("text:N", title="said")],
        )
        numbers = alt.Chart(data).mark_text(fontSize=11, fontWeight="bold", color="#1d2433", aria=False).encode(
            x=alt.X("mid:Q", scale=alt.Scale(domain=list(seconds), nice=False)), y=y, text="n:N")
        specs["words_timeline"] = (bars + numbers).properties(width="container", height=40).to_dict()
    return specs


def distribution_chart(mine: dict[str, float], earlier_mean: dict[str, float] | None, emotions: tuple[str, ...],
                       measure: str = "Mean probability") -> dict:
    """Each emotion's ``measure`` (a mean probability, or the voice's share of seconds) beside earlier users'."""
    rows = [{"emotion": e, "who": YOU, "share": mine[e]} for e in emotions]
    if earlier_mean:
        rows += [{"emotion": e, "who": OTHERS, "share": earlier_mean[e]} for e in emotions]
    data = _table(rows)
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("emotion:N", sort=list(emotions), title=None, axis=_emotion_axis()),
        xOffset=alt.XOffset("who:N", sort=[YOU, OTHERS]),
        y=alt.Y("share:Q", title=measure, axis=alt.Axis(format="%")),
        color=alt.Color("who:N", scale=PALETTE, title=None, legend=None),
        tooltip=["emotion:N", "who:N", alt.Tooltip("share:Q", title=measure.lower(), format=".1%")],
    )
    return _keyed(chart.properties(width="container", height=240).to_dict(),
                  _scale_key(PALETTE, [YOU, OTHERS] if earlier_mean else [YOU]))


def value_among_others_chart(value: float, histogram: list[dict[str, float]], title: str,
                             min_span: float = 30.0) -> dict:
    """Earlier users' values as a histogram (binned on the server: no one's own value reaches the
    page, and the page's size does not grow with the history), with this person's as a red rule.
    The axis runs from 0 over at least ``min_span``: when every earlier value was the same (blink rates
    of 0 after uploads) the server's bins are a sliver around it, drawn as one grey block on an axis
    of 0.0000-0.0500; each bar is at least a 60th of the axis wide, so one value still shows."""
    top = max([min_span, value * 1.1] + [float(b["end"]) for b in histogram])
    least = top / 60
    bars = [{"start": max(0.0, float(b["start"])), "end": max(float(b["end"]), max(0.0, float(b["start"])) + least),
             "count": b["count"]} for b in histogram if b["count"]]
    data = _table(bars, columns=["start", "end", "count"])
    x_scale = alt.Scale(domain=[0, top], nice=True, clamp=True)
    # With no bar to show (too few earlier people to publish), an empty bar layer would be an unnamed graphic to
    # assistive technology (axe svg-img-alt): it is left out of the accessibility tree then.
    hist = alt.Chart(data).mark_bar(color="#b9c2d0", aria=bool(bars)).encode(
        x=alt.X("start:Q", title=title, scale=x_scale, axis=alt.Axis(format="~r")), x2="end:Q",
        # Bars from zero up to the count: with x and x2 given and no y2, Vega-Lite drew each as a thin
        # horizontal band at its count.
        y=alt.Y("count:Q", title="Earlier users", axis=alt.Axis(tickMinStep=1, format="d")), y2=alt.datum(0),
        tooltip=[alt.Tooltip("start:Q", title="from", format=".1f"), alt.Tooltip("end:Q", title="to", format=".1f"),
                 alt.Tooltip("count:Q", title="earlier users")],
    )
    rule = alt.Chart(_table([{"value": value, "label": YOU}])).mark_rule(color="#d64541", size=3).encode(
        x=alt.X("value:Q", scale=x_scale), tooltip=[alt.Tooltip("value:Q", format=".1f", title=title)])
    # The red line says what it is ("you") at its top, and the key under the chart says it again.
    label = alt.Chart(_table([{"value": value, "label": YOU.lower()}])).mark_text(
        color="#d64541", fontWeight="bold", align="left", dx=5, baseline="top", y=2, aria=False).encode(
        x=alt.X("value:Q", scale=x_scale), text="label:N")
    return _keyed((hist + rule + label).properties(width="container", height=160).to_dict(),
                  [(f"{YOU}: the red line", "#d64541"), ("Earlier users: the grey bars", "#b9c2d0")])


def gradcam_chart(view: dict[str, Any]) -> dict:
    """Grad-CAM heat on the aligned face's grid, with the face's landmark outline on top."""
    grid = view["grid"]
    cells = [{"x": x, "x2": x + 1, "y": y, "y2": y + 1, "heat": view["heat"][y][x]}
             for y in range(grid) for x in range(grid)]
    x_scale = alt.Scale(domain=[0, grid], nice=False, zero=True)
    y_scale = alt.Scale(domain=[0, grid], nice=False, reverse=True)
    heat = alt.Chart(_table(cells)).mark_rect().encode(
        x=alt.X("x:Q", scale=x_scale, axis=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=y_scale, axis=None), y2="y2:Q",
        # The legend under the map: at its right it ran off a phone's screen.
        color=alt.Color("heat:Q", scale=alt.Scale(scheme="inferno", domain=[0, 100]), title="Attention",
                        legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=200)),
    )
    outline = alt.Chart(_table(view["outline"], columns=["x", "y"])).mark_circle(
        color="#7fffd4", size=18, opacity=0.9, clip=True).encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale))
    return alt.layer(heat, outline).properties(width=240, height=240).to_dict()


FUSED = "Combined"
CHANNEL_NAMES = {name: channel.noun.capitalize() for name, channel in CHANNELS.items()}  # "Face"


def channels_chart(readings: dict[str, dict[str, float]], fused: dict[str, float], emotions: tuple[str, ...]) -> dict:
    """Each channel's mean probabilities beside the combined reading, emotion by emotion (interview report).

    The words' row is drawn as given (it can leave mass on shame or guilt), so a shorter
    bar there is the model saying less, not a scaling artefact.
    """
    rows = [{"emotion": e, "who": CHANNEL_NAMES.get(c, c), "probability": float(probs.get(e, 0.0))}
            for c, probs in readings.items() for e in emotions]
    rows += [{"emotion": e, "who": FUSED, "probability": float(fused[e])} for e in emotions]
    order = [CHANNEL_NAMES.get(c, c) for c in readings] + [FUSED]
    colours = {CHANNEL_NAMES[name]: channel.colour for name, channel in CHANNELS.items()} | {FUSED: "#1d2433"}
    chart = alt.Chart(_table(rows)).mark_bar().encode(
        x=alt.X("emotion:N", sort=list(emotions), title=None, axis=_emotion_axis()),
        xOffset=alt.XOffset("who:N", sort=order),
        y=alt.Y("probability:Q", title="Mean probability", axis=alt.Axis(format="%")),
        color=alt.Color("who:N", sort=order, title=None, legend=None,
                        scale=alt.Scale(domain=order, range=[colours.get(w, "#888") for w in order])),
        tooltip=["emotion:N", "who:N", alt.Tooltip("probability:Q", format=".1%")],
    )
    return _keyed(chart.properties(width="container", height=260).to_dict(), [(w, colours.get(w, "#888")) for w in order])
