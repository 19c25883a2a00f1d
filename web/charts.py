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
