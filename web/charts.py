"""Altair chart specifications for the dashboards (rendered in the browser by Vega-Embed)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

YOU = "You"
OTHERS = "Earlier users (mean)"
PALETTE = alt.Scale(domain=[YOU, OTHERS], range=["#3b6fd8", "#b9c2d0"])


def trait_chart(traits: list[dict[str, Any]]) -> dict:
    rows = []
    for item in traits:
        name = item["trait"].capitalize()
        rows.append({"trait": name, "who": YOU, "probability": item["probability"]})
        if item["earlier_mean"] is not None:
            rows.append({"trait": name, "who": OTHERS, "probability": item["earlier_mean"]})
    data = pd.DataFrame(rows)
    chance = alt.Chart(pd.DataFrame({"x": [0.5]})).mark_rule(strokeDash=[4, 4], color="#666").encode(x="x:Q")
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("trait:N", title=None, sort=[t["trait"].capitalize() for t in traits],
                axis=alt.Axis(labelFontSize=13)),
        yOffset=alt.YOffset("who:N", sort=[YOU, OTHERS]),
        x=alt.X("probability:Q", title='Probability of "high" (dashed line: 0.5, no lean)',
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(values=[0, 0.25, 0.5, 0.75, 1])),
        color=alt.Color("who:N", scale=PALETTE, title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("trait:N"), alt.Tooltip("who:N"), alt.Tooltip("probability:Q", format=".2f")],
    )
    return (bars + chance).properties(width="container", height=260).to_dict()


def words_chart(mine: list[tuple[str, int]], everyone: list[tuple[str, int]]) -> dict:
    """Your top words vs everyone's, each as a share of its own top-word total so sizes compare."""
    def shares(pairs, who):
        total = sum(c for _, c in pairs) or 1
        return [{"word": w, "share": c / total, "count": c, "who": who} for w, c in pairs]

    data = pd.DataFrame(shares(mine, YOU) + shares(everyone, "Everyone before you"))
    if data.empty:
        data = pd.DataFrame(columns=["word", "share", "count", "who"])
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("share:Q", title="Share of top-word mentions", axis=alt.Axis(format="%")),
        y=alt.Y("word:N", sort="-x", title=None),
        color=alt.Color("who:N", scale=alt.Scale(domain=[YOU, "Everyone before you"], range=["#3b6fd8", "#8a94a6"]),
                        legend=None),
        tooltip=["word:N", "count:Q", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=260, height=320).facet(
        column=alt.Column("who:N", title=None, sort=[YOU, "Everyone before you"]),
    ).resolve_scale(y="independent")
    return chart.to_dict()


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


def emotion_timeline_chart(timeline: list[dict[str, Any]], emotions: tuple[str, ...],
                           seconds: tuple[float, float] | None = None, title: str = "Probability",
                           legend: bool = True, legend_columns: int = 7) -> dict:
    """Stacked probabilities of each emotion over time (one row per analysed frame or second).
    ``seconds``: a fixed time axis, for charts stacked on the same seconds (``answer_timeline_charts``)."""
    rows = [{"t": item["t"], "emotion": e, "probability": item["probabilities"][e]}
            for item in timeline for e in emotions]
    data = pd.DataFrame(rows, columns=["t", "emotion", "probability"])
    chart = alt.Chart(data).mark_area(interpolate="monotone").encode(
        x=_seconds_axis("t", seconds),
        y=alt.Y("probability:Q", stack="normalize", title=title,
                axis=alt.Axis(format="%", minExtent=Y_AXIS_EXTENT, maxExtent=Y_AXIS_EXTENT)),
        color=alt.Color("emotion:N", scale=EMOTION_COLOURS, sort=list(emotions), title=None,
                        legend=alt.Legend(orient="bottom", columns=legend_columns) if legend else None),
        order=alt.Order("emotion_order:Q"),
        tooltip=[alt.Tooltip("t:Q", title="second", format=".1f"), "emotion:N",
                 alt.Tooltip("probability:Q", format=".0%")],
    ).transform_calculate(
        emotion_order=f"indexof({list(emotions)!r}, datum.emotion)",
    )
    return chart.properties(width="container", height=240).to_dict()


def answer_timeline_charts(face: list[dict[str, Any]], voice: list[dict[str, Any]] | None,
                           segments: list[dict[str, Any]] | None, duration_s: float,
                           emotions: tuple[str, ...]) -> dict[str, dict]:
    """One answer's face, voice and words on the same seconds: up to three charts to stack, each with
    the same time axis (0 to the answer's end) and the same room for its y axis. The words are the
    transcript's segments as bars over the seconds they were said (the text in their tooltips; the
    page lists them too), cut at the answer's end (Whisper's last timestamp may overshoot the sound).
    The emotion legend is drawn once, under the last emotion chart, in rows of three so it fits a phone."""
    end = max([float(duration_s or 0)] + [float(p["t"]) for p in face + (voice or [])]) or 1.0
    seconds = (0.0, end)
    specs = {}
    if face:
        specs["timeline"] = emotion_timeline_chart(face, emotions, seconds, "Face", legend=not voice, legend_columns=3)
    if voice:
        specs["voice_timeline"] = emotion_timeline_chart(voice, emotions, seconds, "Voice", legend_columns=3)
    said = [s for s in segments or [] if float(s["start"]) < end]
    if said:
        data = pd.DataFrame([{"start": s["start"], "end": min(float(s["end"]), end), "text": s["text"], "row": "Words"}
                             for s in said])
        specs["words_timeline"] = alt.Chart(data).mark_bar(color="#9ccf95", stroke="#4f8a47", height=18).encode(
            x=_seconds_axis("start", seconds), x2="end:Q",
            # titled like the emotion charts' y axes ("Face", "Voice"): a title takes room beside the axis
            y=alt.Y("row:N", title="Words", axis=alt.Axis(labels=False, ticks=False, domain=False,
                                                          minExtent=Y_AXIS_EXTENT, maxExtent=Y_AXIS_EXTENT)),
            tooltip=[alt.Tooltip("start:Q", title="from (s)", format=".1f"),
                     alt.Tooltip("end:Q", title="to (s)", format=".1f"), alt.Tooltip("text:N", title="said")],
        ).properties(width="container", height=40).to_dict()
    return specs


def distribution_chart(mine: dict[str, float], earlier_mean: dict[str, float] | None, emotions: tuple[str, ...]) -> dict:
    rows = [{"emotion": e, "who": YOU, "share": mine[e]} for e in emotions]
    if earlier_mean:
        rows += [{"emotion": e, "who": OTHERS, "share": earlier_mean[e]} for e in emotions]
    data = pd.DataFrame(rows)
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("emotion:N", sort=list(emotions), title=None, axis=alt.Axis(labelAngle=0, labelFontSize=12)),
        xOffset=alt.XOffset("who:N", sort=[YOU, OTHERS]),
        y=alt.Y("share:Q", title="Mean probability", axis=alt.Axis(format="%")),
        color=alt.Color("who:N", scale=PALETTE, title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["emotion:N", "who:N", alt.Tooltip("share:Q", format=".1%")],
    )
    return chart.properties(width="container", height=240).to_dict()


def value_among_others_chart(value: float, histogram: list[dict[str, float]], title: str) -> dict:
    """Earlier users' values as a histogram (binned on the server: no one's own value reaches the
    page, and the page's size does not grow with the history), with this person's as a red rule."""
    data = pd.DataFrame(histogram, columns=["start", "end", "count"])
    hist = alt.Chart(data).mark_bar(color="#b9c2d0").encode(
        x=alt.X("start:Q", title=title), x2="end:Q",
        y=alt.Y("count:Q", title="Earlier users"),
    )
    rule = alt.Chart(pd.DataFrame({"value": [value], "label": [YOU]})).mark_rule(color="#d64541", size=3).encode(
        x="value:Q", tooltip=[alt.Tooltip("value:Q", format=".1f", title=title)])
    return (hist + rule).properties(width="container", height=160).to_dict()


def gradcam_chart(view: dict[str, Any]) -> dict:
    """Grad-CAM heat on the aligned face's grid, with the face's landmark outline on top."""
    grid = view["grid"]
    cells = [{"x": x, "x2": x + 1, "y": y, "y2": y + 1, "heat": view["heat"][y][x]}
             for y in range(grid) for x in range(grid)]
    x_scale = alt.Scale(domain=[0, grid], nice=False, zero=True)
    y_scale = alt.Scale(domain=[0, grid], nice=False, reverse=True)
    heat = alt.Chart(pd.DataFrame(cells)).mark_rect().encode(
        x=alt.X("x:Q", scale=x_scale, axis=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=y_scale, axis=None), y2="y2:Q",
        color=alt.Color("heat:Q", scale=alt.Scale(scheme="inferno", domain=[0, 100]), title="Attention"),
    )
    outline = alt.Chart(pd.DataFrame(view["outline"], columns=["x", "y"])).mark_circle(
        color="#7fffd4", size=18, opacity=0.9).encode(x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale))
    return alt.layer(heat, outline).properties(width=260, height=260).to_dict()


FUSED = "Combined"
CHANNEL_NAMES = {"video": "Face", "audio": "Voice", "text": "Words"}


def channels_chart(readings: dict[str, dict[str, float]], fused: dict[str, float], emotions: tuple[str, ...]) -> dict:
    """Each channel's mean probabilities beside the combined reading, emotion by emotion (interview report).

    The words' row is drawn as given (it can leave mass on shame or guilt), so a shorter
    bar there is the model saying less, not a scaling artefact.
    """
    rows = [{"emotion": e, "who": CHANNEL_NAMES.get(c, c), "probability": float(probs.get(e, 0.0))}
            for c, probs in readings.items() for e in emotions]
    rows += [{"emotion": e, "who": FUSED, "probability": float(fused[e])} for e in emotions]
    order = [CHANNEL_NAMES.get(c, c) for c in readings] + [FUSED]
    colours = {"Face": "#8fb3f0", "Voice": "#f0b37a", "Words": "#9ccf95", FUSED: "#1d2433"}
    chart = alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("emotion:N", sort=list(emotions), title=None, axis=alt.Axis(labelAngle=0, labelFontSize=12)),
        xOffset=alt.XOffset("who:N", sort=order),
        y=alt.Y("probability:Q", title="Mean probability", axis=alt.Axis(format="%")),
        color=alt.Color("who:N", sort=order, title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=order, range=[colours.get(w, "#888") for w in order])),
        tooltip=["emotion:N", "who:N", alt.Tooltip("probability:Q", format=".1%")],
    )
    return chart.properties(width="container", height=260).to_dict()
