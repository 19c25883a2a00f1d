"""Every route states its own policy (web/platform/policy.py): what analyses is rate-limited as an analysis and takes a slot."""

from __future__ import annotations

import pytest

from web.platform.policy import rate_limited


def _views(app, blueprint=None):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if blueprint is None or rule.endpoint.startswith(f"{blueprint}."):
            yield rule, view


def test_every_interview_post_counts_as_an_analysis(app):
    posts = [(rule, view) for bp in ("interview", "interview_api") for rule, view in _views(app, bp)
             if "POST" in rule.methods]
    assert len(posts) >= 8
    assert [rule.rule for rule, view in posts if getattr(view, "esapr_rate_group", None) != "analysis"] == []


def test_every_heavy_view_is_a_post_limited_as_an_analysis(app):
    heavy = [(rule, view) for rule, view in _views(app) if getattr(view, "esapr_heavy", False)]
    assert {rule.endpoint for rule, _ in heavy} >= {"api.analyse_text_api", "audio_api.analyse_audio_api",
                                                     "video_api.analyse_video_api", "video_api.finish_video_session"}
    for rule, view in heavy:
        assert rule.methods >= {"POST"} and view.esapr_rate_group == "analysis", rule.rule


def test_result_pages_count_as_pages_and_frames_as_frames(app):
    groups = {rule.endpoint: getattr(view, "esapr_rate_group", None) for rule, view in _views(app)}
    for endpoint in ("text.result", "video.result", "audio.result", "interview.result", "privacy.result"):
        assert groups[endpoint] == "pages", endpoint
    assert groups["video_api.video_frame"] == "frames"


def test_an_unknown_group_is_refused_where_it_is_written():
    with pytest.raises(ValueError):
        rate_limited("everything")
