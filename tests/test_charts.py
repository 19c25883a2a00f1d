"""The dashboards' chart specifications hold at a phone's width (issue 16): each takes its card's width,
keeps its colour key out of Vega (where legends were cut) for the page to draw as wrapping HTML, and
turns the emotion names when the plot is narrow."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from library.emotions import EMOTIONS
from library.results import TimelinePoint
from web import charts

PROBS = {e: 1 / len(EMOTIONS) for e in EMOTIONS}
TIMELINE = [TimelinePoint(float(t), PROBS) for t in range(5)]


def _specs():
    traits = [{"trait": "openness", "probability": 0.6, "earlier_mean": 0.5}]
    return {
        "traits": charts.trait_chart(traits),
        "timeline": charts.emotion_timeline_chart(TIMELINE, EMOTIONS),
        "distribution": charts.distribution_chart(PROBS, PROBS, EMOTIONS, measure="Share of seconds"),
        "channels": charts.channels_chart({"video": PROBS, "audio": PROBS}, PROBS, EMOTIONS),
        "blinks": charts.value_among_others_chart(0.0, [{"start": -0.05, "end": 0.0, "count": 3}], "Blinks per minute"),
        **charts.words_charts([("sea", 3), ("sun", 1)], [("work", 9)]),
        **charts.answer_timeline_charts(TIMELINE, TIMELINE, [{"start": 0, "end": 2, "text": "hi"}], 5.0, EMOTIONS),
    }


def test_every_chart_takes_its_cards_width_and_no_vega_legend():
    for name, spec in _specs().items():
        assert spec["width"] == "container", name
        assert '"legend": {' not in json.dumps(spec) or name == "gradcam", name


def test_colour_keys_travel_with_the_spec():
    specs = _specs()
    assert [k["label"] for k in specs["distribution"]["usermeta"]["key"]] == ["You", "Earlier users (mean)"]
    assert [k["label"] for k in specs["channels"]["usermeta"]["key"]] == ["Face", "Voice", "Combined"]
    assert [k["label"] for k in specs["voice_timeline"]["usermeta"]["key"]] == list(EMOTIONS)
    face_above_voice = charts.answer_timeline_charts(TIMELINE, TIMELINE, None, 5.0, EMOTIONS)["timeline"]
    assert "usermeta" not in face_above_voice  # the key is drawn once, under the voice's chart


def test_measures_are_named_and_narrow_labels_turn():
    distribution = _specs()["distribution"]
    assert distribution["encoding"]["y"]["title"] == "Share of seconds"
    assert "width <" in json.dumps(distribution["encoding"]["x"]["axis"]["labelAngle"])


def test_a_blink_rate_shared_by_everyone_still_has_a_readable_axis():
    spec = charts.value_among_others_chart(0.0, [{"start": -0.05, "end": 0.0, "count": 3}], "Blinks per minute")
    hist = spec["layer"][0]
    bar = spec["datasets"][hist["data"]["name"]][0]
    assert bar["start"] == 0.0 and bar["end"] >= 0.5  # a visible bar, not a sliver at 0-0.05
    assert hist["encoding"]["x"]["scale"]["domain"] == [0, 30.0]


def test_earlier_users_bars_rise_from_zero():
    """Each bar of the histogram runs from 0 up to its count (it was a thin band drawn at the count)."""
    histogram = [{"start": 0, "end": 5, "count": 3}, {"start": 5, "end": 10, "count": 7}]
    spec = charts.value_among_others_chart(12.0, histogram, "Blinks per minute")
    assert spec["layer"][0]["encoding"]["y2"] == {"datum": 0}

    node = shutil.which("node")
    if node is None:
        pytest.skip("no Node.js to lay the chart out with the vendored Vega (Debian: apt install nodejs)")
    from web.platform.assets import VEGA_FOLDER

    laid_out = subprocess.run([node, str(Path(__file__).with_name("vega_marks.js")), str(VEGA_FOLDER)],
                              input=json.dumps(spec), capture_output=True, text=True, timeout=60, check=True)
    drawn = json.loads(laid_out.stdout)
    bottoms = {round(bar["y2"]) for bar in drawn["bars"]}
    assert bottoms == {drawn["height"]}  # every bar stands on the x axis (y = 0 at the plot's bottom)
    heights = sorted(bar["height"] for bar in drawn["bars"])
    assert abs(heights[0] / heights[1] - 3 / 7) < 0.01  # the heights follow the counts
