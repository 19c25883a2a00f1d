"""The guided interview through Flask's test client: session, steps, skip/retake, report and downloads.

Video and voice answers are stored rows with realistic figures (their own engines are tested
elsewhere); the written answer goes through the real Big Five and text-emotion models.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from library.emotions import EMOTIONS
from library.stored_kinds import read_result
from sample_texts import ESSAY


def _probs(main: str, p: float = 0.55) -> dict[str, float]:
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return {e: round(p if e == main else rest, 4) for e in EMOTIONS}


def token_of(client) -> str:
    """The private token in this test client's cookie (/my/ redirects to its private link)."""
    return client.get("/my/").headers["Location"].rsplit("/", 1)[-1]


def owned_store(client, app):
    """The store adding rows as the person behind ``client``: an interview takes only their own answers."""
    from library.history.owners import owner_of

    return app.extensions["esapr_store"].for_owner(owner_of(token_of(client)))


def video_row(client, app, main="happy") -> str:
    scores = {"source": "live", "duration_s": 5.0, "frames_analysed": 10, "frames_with_face": 10,
              "distribution": _probs(main), "dominant": main, "blinks": 1, "blinks_per_minute": 12.0,
              "timeline": [{"t": t / 2, "probabilities": _probs(main)} for t in range(10)], "gradcam": None}
    return owned_store(client, app).add("video", read_result("video", scores)).id


def audio_row(client, app, main="happy") -> str:
    probs = _probs(main)
    scores = {"duration_s": 4.0, "timeline": [{"t": float(t), "probabilities": probs} for t in range(4)],
              "distribution": {e: float(e == main) for e in EMOTIONS}, "dominant": main,
              "mean_probabilities": probs, "voiced_fraction": 0.8, "clipping_fraction": 0.0, "clipped": False,
              "sample_rate": 48000}
    return owned_store(client, app).add("audio", read_result("audio", scores)).id


def start(client) -> str:
    response = client.post("/interview/", data={"consent": "yes"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/video")
    return response.headers["Location"].split("/")[-2]


def test_consent_comes_first(client):
    page = client.get("/interview/")
    assert page.status_code == 200
    assert b'name="consent"' in page.data and b"required" in page.data
    refused = client.post("/interview/", data={})
    assert refused.status_code == 400
    assert b"tick the box" in refused.data


def test_steps_show_questions_from_the_bank_and_skip(client):
    from markupsafe import escape

    from library.interview import load_questions

    session_id = start(client)
    bank = load_questions()
    for step in ("video", "audio", "text"):
        page = client.get(f"/interview/{session_id}/{step}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert any(str(escape(q)) in html for q in bank[step]), step
        assert "Skip this step" in html
        assert f'/api/v1/interview/{session_id}/{step}' in html  # where the page's script sends the answer
    skipped = client.post(f"/interview/{session_id}/video/skip")
    assert skipped.headers["Location"].endswith(f"/interview/{session_id}/audio")


def test_coming_back_continues_the_session(client, app):
    session_id = start(client)
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app)})
    back = client.get("/interview/")
    assert back.status_code == 302
    assert back.headers["Location"].endswith(f"/interview/{session_id}/audio")
    # Another browser (no cookie) starts afresh.
    assert app.test_client().get("/interview/").status_code == 200


def test_expired_session_cannot_continue(client, app):
    session_id = start(client)
    app.config["INTERVIEW_EXPIRY_S"] = -1
    assert client.get(f"/interview/{session_id}/audio").status_code == 410
    assert client.get("/interview/").status_code == 200  # the start page again
    answer = client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app)})
    assert answer.status_code == 409 and "expired" in answer.get_json()["error"]


def test_answer_must_be_an_analysis_of_that_channel(client, app):
    session_id = start(client)
    wrong = client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": audio_row(client, app)})
    assert wrong.status_code == 400 and "no video analysis" in wrong.get_json()["error"]
    assert client.post(f"/api/v1/interview/{session_id}/video", data={}).status_code == 400
    assert client.post(f"/api/v1/interview/{session_id}/nope", data={}).status_code == 404


def test_retake_replaces_the_answer_and_gets_a_new_question(client, app):
    from markupsafe import escape

    from library.interview import pick_question

    session_id = start(client)
    first, second = video_row(client, app, "sad"), video_row(client, app, "happy")
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": first})
    page = client.get(f"/interview/{session_id}/video").get_data(as_text=True)
    assert "Retake" in page
    assert str(escape(pick_question("video", session_id, attempt=1))) in page
    body = client.post(f"/api/v1/interview/{session_id}/video", json={"analysis_id": second}).get_json()
    assert body["steps"]["video"] == second
    assert body["next_url"].endswith(f"/interview/{session_id}/audio")


@pytest.mark.real_models
def test_whole_interview_report_and_downloads(client, app):
    session_id = start(client)
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app, "happy")})
    client.post(f"/api/v1/interview/{session_id}/audio/skip")
    answer = client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["next_url"] == f"/interview/{session_id}/report"
    text_row = app.extensions["esapr_store"].get(body["id"], channel="text")
    assert set(text_row.scores["emotion"]["probabilities"]) == set(EMOTIONS)  # Big Five AND text emotion
    assert "traits" in text_row.scores

    ready = client.get(body["next_url"])  # the page with the button: opening it finishes nothing
    assert ready.status_code == 200 and b"Make my report" in ready.data
    assert client.get(f"/api/v1/interview/{session_id}").get_json()["report_id"] is None
    finished = client.post(body["next_url"])
    assert finished.status_code == 303
    report_url = finished.headers["Location"]
    report_id = report_url.rsplit("/", 1)[-1]
    page = client.get(report_url).get_data(as_text=True)
    assert "not a psychological assessment" in page  # the statement from the "how it works" page
    assert "Skipped" in page and "Big Five" in page and "Known to get wrong" in page
    for spec in ("fused", "channels", "video_timeline", "traits"):
        assert f'id="spec-{spec}"' in page
    # Finished: the steps can no longer change, and the report link is stable.
    assert client.get(f"/interview/{session_id}/report").headers["Location"] == report_url
    assert client.post(f"/interview/{session_id}/report").headers["Location"] == report_url
    assert client.post(f"/api/v1/interview/{session_id}/audio/skip").status_code == 409
    assert b"See its report" in client.get("/interview/").data

    data = client.get(f"/interview/report/{report_id}.json")
    assert "attachment" in data.headers["Content-Disposition"]
    report = json.loads(data.data)
    fused = report["report"]["fused"]
    assert fused["channels_used"] == ["video", "text"] and fused["channels_missing"] == ["audio"]
    assert fused["confidence"] in ("low", "moderate", "fairly high")
    assert set(report["report"]["reliability"]) == {"video", "text"}
    assert report["big_five"]["traits"][0]["trait"] == "openness"
    assert report["channels"]["audio"]["skipped"] is True

    html = client.get(f"/interview/report/{report_id}.html")
    assert "attachment" in html.headers["Content-Disposition"]
    text = html.get_data(as_text=True)
    assert 'id="spec-fused"' in text and '<link rel="stylesheet"' not in text
    sources = re.findall(r'<script src="([^"]+)"', text)
    assert len(sources) == 2 and all(s.startswith("data:text/javascript;base64,") for s in sources)  # nothing fetched
    assert b"vegaEmbed" in base64.b64decode(sources[1].split(",", 1)[1])

    # Everyone's interviews are aggregates (no ids); the full rows are the owner's own export.
    everyone = client.get("/api/v1/history/interview.csv").get_data(as_text=True)
    assert report_id not in everyone and everyone.splitlines()[0].startswith("measure,n,mean")
    assert everyone.splitlines()[1:] == ["analyses,1,,,,,,,"]  # one person: no figure could be anyone else's
    mine = client.get("/api/v1/me/history/interview.csv", headers={"X-ESAPR-Token": token_of(client)})
    assert report_id in mine.get_data(as_text=True) and "report.fused.dominant" in mine.get_data(as_text=True)


def test_report_with_nothing_answered_says_so(client):
    session_id = start(client)
    for step in ("video", "audio", "text"):
        client.post(f"/interview/{session_id}/{step}/skip")
    response = client.post(f"/interview/{session_id}/report")
    assert response.status_code == 422
    assert b"nothing to report" in response.data
    # Still open: a step can be answered after all.
    assert client.get(f"/interview/{session_id}/text").status_code == 200


def test_api_runs_an_interview(client, app):
    started = client.post("/api/v1/interview")
    assert started.status_code == 201
    session_id = started.get_json()["session"]
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app, "sad")})
    client.post(f"/api/v1/interview/{session_id}/audio", data={"analysis_id": audio_row(client, app, "sad")})
    client.post(f"/api/v1/interview/{session_id}/text/skip")
    if not _audio_reliability_known():
        pytest.skip("the speech model has no measured accuracy yet (Models/audio/speech_emotion.json)")
    done = client.post(f"/api/v1/interview/{session_id}/report")
    assert done.status_code == 200
    fused = done.get_json()["report"]["fused"]
    assert fused["dominant"] == "sad" and fused["coherence"] == "high"
    assert client.get(f"/api/v1/interview/{session_id}").get_json()["report_id"] == done.get_json()["id"]


def _audio_reliability_known() -> bool:
    from library.interview import load_reliability

    return load_reliability()["audio"].score is not None


def test_channel_without_measured_accuracy_is_left_out_and_said_so(client, app, tmp_path):
    # A models folder whose speech model has no metadata (as before it is first trained).
    import shutil

    from library.paths import MODELS_DIR

    shutil.copytree(MODELS_DIR / "video", tmp_path / "models" / "video")
    shutil.copytree(MODELS_DIR / "text", tmp_path / "models" / "text")
    app.config["MODELS_DIR"] = str(tmp_path / "models")
    session_id = client.post("/api/v1/interview").get_json()["session"]
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app)})
    client.post(f"/api/v1/interview/{session_id}/audio", data={"analysis_id": audio_row(client, app)})
    client.post(f"/api/v1/interview/{session_id}/text/skip")
    fused = client.post(f"/api/v1/interview/{session_id}/report").get_json()["report"]["fused"]
    assert fused["channels_used"] == ["video"]
    assert any("voice was left out" in n for n in fused["notes"])


def test_second_interview_is_compared_with_the_first(client, app):
    for main in ("sad", "happy"):
        session_id = client.post("/api/v1/interview").get_json()["session"]
        client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app, main)})
        client.post(f"/api/v1/interview/{session_id}/audio/skip")
        client.post(f"/api/v1/interview/{session_id}/text/skip")
        report_id = client.post(f"/api/v1/interview/{session_id}/report").get_json()["id"]
    view = client.get(f"/interview/report/{report_id}.json").get_json()
    assert view["n_earlier_interviews"] == 1
    happy = next(e for e in view["fused_among_earlier"] if e["emotion"] == "happy")
    # The count below is noised (library/history/disclosure.py): the words name a share, never the one interview.
    assert re.fullmatch(r"higher than \d+% of earlier users \(only 1 so far\)", happy["percentile_words"])
    assert view["channels"]["video"]["summary"]["n_earlier"] == 1


@pytest.mark.real_models
def test_a_deleted_answer_no_longer_counts_in_the_report(client, app):
    """Deleting the video answer after the report was made: the combined reading, the agreement and the JSON
    leave the face out, and its card says it was deleted (not 'skipped')."""
    session_id = start(client)
    video_id = video_row(client, app, "happy")
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_id})
    client.post(f"/api/v1/interview/{session_id}/audio/skip")
    client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY})
    report_id = client.post(f"/api/v1/interview/{session_id}/report").get_json()["id"]
    before = client.get(f"/interview/report/{report_id}.json").get_json()
    assert before["report"]["fused"]["channels_used"] == ["video", "text"]

    token = token_of(client)
    assert client.delete(f"/api/v1/me/analyses/{video_id}", headers={"X-ESAPR-Token": token}).status_code == 200
    after = client.get(f"/interview/report/{report_id}.json").get_json()
    fused = after["report"]["fused"]
    assert fused["channels_used"] == ["text"] and "video" not in fused["readings"]
    assert not any("video" in pair["channels"] for pair in after["report"].get("agreement", []))
    assert fused["probabilities"] != before["report"]["fused"]["probabilities"]
    assert any("video answer was deleted" in note for note in fused["notes"])
    face = after["channels"]["video"]
    assert face["deleted"] is True and face["skipped"] is False and face["reading"] is None
    page = client.get(f"/interview/report/{report_id}").get_data(as_text=True)
    assert "deleted" in page.lower()


@pytest.mark.real_models
def test_a_short_written_answer_without_javascript_comes_back_in_the_form(client):
    session_id = start(client)
    typed = "Too short to read, but mine."
    response = client.post(f"/interview/{session_id}/text", data={"text": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert typed in page and 'role="alert"' in page and "Step 3 of 3" in page
    assert client.get(f"/api/v1/interview/{session_id}").get_json()["steps"]["text"] is None


def _my_page(client) -> str:
    return client.get(f"/my/{token_of(client)}").get_data(as_text=True)


def test_a_replaced_answer_is_gone_from_my_results(client, app):
    """A retake replaced the answer, yet the old one stayed in "My results", unmarked, as a second result."""
    session_id = start(client)
    first, second = video_row(client, app, "sad"), video_row(client, app, "happy")
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": first})
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": second})
    store = app.extensions["esapr_store"]
    assert store.get(first) is None and store.get(second) is not None
    page = _my_page(client)
    assert first not in page and second in page
    # The same answer sent twice (a retried request) is not deleted by its own replacement.
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": second})
    assert store.get(second) is not None


@pytest.mark.real_models
def test_a_written_retake_deletes_the_old_text_result(client, app):
    session_id = start(client)
    client.post(f"/interview/{session_id}/video/skip")
    client.post(f"/interview/{session_id}/audio/skip")
    old = client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY}).get_json()["id"]
    new = client.post(f"/interview/{session_id}/text", data={"text": ESSAY + " Once more."})
    assert new.status_code == 303
    new_id = client.get(f"/api/v1/interview/{session_id}").get_json()["steps"]["text"]
    store = app.extensions["esapr_store"]
    assert store.get(old) is None
    assert old not in _my_page(client) and new_id in _my_page(client)


def test_skipping_an_answered_step_asks_first_then_deletes_its_result(client, app):
    session_id = start(client)
    answer = video_row(client, app)
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": answer})
    page = client.get(f"/interview/{session_id}/video").get_data(as_text=True)
    assert 'id="skip-ask"' in page and "deleted from" in page  # the button opens a box saying what goes
    asked = client.post(f"/interview/{session_id}/video/skip")  # a bare post: asked, not obeyed
    assert asked.status_code == 303 and "skip=ask" in asked.headers["Location"]
    assert app.extensions["esapr_store"].get(answer) is not None
    assert client.get(f"/api/v1/interview/{session_id}").get_json()["steps"]["video"] == answer
    assert " open>" in client.get(asked.headers["Location"]).get_data(as_text=True).replace('"skip-confirm" open', " open>")
    done = client.post(f"/interview/{session_id}/video/skip", data={"discard": "yes"})
    assert done.headers["Location"].endswith(f"/interview/{session_id}/audio")
    assert app.extensions["esapr_store"].get(answer) is None
    assert client.get(f"/api/v1/interview/{session_id}").get_json()["steps"]["video"] == "skipped"


def test_an_answer_another_interview_uses_is_kept(client, app):
    one, two = start(client), start(client)
    answer = video_row(client, app)
    for session_id in (one, two):
        client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": answer})
    client.post(f"/api/v1/interview/{two}/video/skip")
    assert app.extensions["esapr_store"].get(answer) is not None  # the first interview still holds it


@pytest.mark.real_models
def test_my_results_group_an_interviews_parts(client, app):
    session_id = start(client)
    alone = video_row(client, app, "sad")  # a result of the video page, in no interview
    answer = video_row(client, app, "happy")
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": answer})
    page = _my_page(client)
    groups = page.split("<tbody")[1:]
    unfinished = next(g for g in groups if "Unfinished" in g)
    assert answer in unfinished and "continue it" in unfinished
    assert alone not in unfinished
    client.post(f"/api/v1/interview/{session_id}/audio/skip")
    text_id = client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY}).get_json()["id"]
    report_id = client.post(f"/api/v1/interview/{session_id}/report").get_json()["id"]
    groups = _my_page(client).split("<tbody")[1:]
    interview = next(g for g in groups if report_id in g)
    # The report first, then its answers in step order, in one group; the lone result in a group of its own.
    order = [interview.index(report_id), interview.index(answer),
             interview.index(text_id)]
    assert order == sorted(order) and "an answer of this interview" in interview
    assert not any("Unfinished" in g for g in groups)
    assert sum(alone in g for g in groups) == 1
    assert alone not in interview


def test_finish_page_offers_no_report_when_every_step_was_skipped(client):
    session_id = start(client)
    for step in ("video", "audio", "text"):
        client.post(f"/interview/{session_id}/{step}/skip")
    page = client.get(f"/interview/{session_id}/report").get_data(as_text=True)
    assert "Make my report" not in page and "nothing to report yet" in page
    assert f"/interview/{session_id}/text" in page


def test_a_report_that_cannot_be_made_returns_to_the_steps(client, app):
    """A video with no face in it and nothing else: the report fails, and the page says why beside the steps
    (it was an error page with a link home)."""
    scores = {"source": "live", "duration_s": 5.0, "frames_analysed": 10, "frames_with_face": 0,
              "distribution": None, "dominant": None, "blinks": 0, "blinks_per_minute": None, "timeline": [],
              "gradcam": None}
    session_id = start(client)
    no_face = owned_store(client, app).add("video", read_result("video", scores)).id
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": no_face})
    for step in ("audio", "text"):
        client.post(f"/interview/{session_id}/{step}/skip")
    response = client.post(f"/interview/{session_id}/report")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing to report" in page and 'id="report-error"' in page
    assert f"/interview/{session_id}/audio" in page and "Back to the start" not in page


def _spoken_audio_row(client, app, main="happy") -> str:
    """A voice answer with a transcript whose words read ``main`` with no shame or guilt."""
    probs = _probs(main)
    words_row = {e: (0.8 if e == main else (0.05 if e in ("angry", "disgust", "fear", "sad") else 0.0))
                 for e in EMOTIONS}
    scores = {"duration_s": 4.0, "timeline": [{"t": float(t), "probabilities": probs} for t in range(4)],
              "distribution": {e: float(e == main) for e in EMOTIONS}, "dominant": main,
              "mean_probabilities": probs, "voiced_fraction": 0.8, "clipping_fraction": 0.0, "clipped": False,
              "sample_rate": 48000,
              "transcript": {"text": "what a wonderful day it has been", "segments": [], "language": "en",
                             "confident": True},
              "words": {"word_count": 7, "emotion": words_row, "extra": {"shame": 0.0, "guilt": 0.0},
                        "dominant": main, "traits": None, "too_short_for_traits": True, "min_words_for_traits": 50}}
    return owned_store(client, app).add("audio", read_result("audio", scores)).id


def _three_channel_report(client, app) -> tuple[str, str]:
    session_id = start(client)
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_row(client, app, "sad")})
    audio_id = _spoken_audio_row(client, app)
    client.post(f"/api/v1/interview/{session_id}/audio", data={"analysis_id": audio_id})
    guilty = ("I feel so guilty and ashamed about what I did to my friend. I lied to her and I am ashamed of it. "
              "I keep thinking that it was my fault and I should have told the truth. ") * 3
    client.post(f"/api/v1/interview/{session_id}/text", data={"text": guilty + ESSAY[:400]})
    return client.post(f"/api/v1/interview/{session_id}/report").get_json()["id"], audio_id


@pytest.mark.real_models
def test_the_report_does_not_contradict_itself(client, app):
    """Shares add up to 100; the written card's shame-or-guilt figure and the notes' are the same figure (59% on
    the card, 21% in the notes, before); the confidence scale is not said to stop below the word it shows."""
    report_id, _ = _three_channel_report(client, app)
    view = client.get(f"/interview/report/{report_id}.json").get_json()
    for name in ("weights", "words", "fused"):
        assert sum(view["percent"][name].values()) == 100, name
    page = client.get(f"/interview/report/{report_id}").get_data(as_text=True)
    shares = re.findall(r'data-label="Share of the vote">(\d+)%', page)
    assert len(shares) == 3 and sum(map(int, shares)) == 100
    card = page.split('id="channel-text"')[1].split("</article>")[0]
    notes = page.split('id="fusion-notes"')[1].split("</ul>")[0]
    noted = re.search(r"(\d+)% of what the words suggested was shame or guilt", notes)
    assert noted, notes
    assert f"{noted.group(1)}% of all your words" in " ".join(card.split())
    assert 'so it is never "high"' not in page
    assert "Face, voice and words are combined" not in page and "Your face, voice and words are" in " ".join(page.split())


@pytest.mark.real_models
def test_after_a_deleted_answer_the_summary_and_intro_say_so(client, app):
    report_id, audio_id = _three_channel_report(client, app)
    token = token_of(client)
    assert client.delete(f"/api/v1/me/analyses/{audio_id}", headers={"X-ESAPR-Token": token}).status_code == 200
    page = " ".join(client.get(f"/interview/report/{report_id}").get_data(as_text=True).split())
    summary = page.split('id="deleted-note"')[1].split("</p>")[0]
    assert "voice answer was deleted" in summary and "leaves it out" in summary
    intro = page.split('id="combined-intro"')[1].split("</p>")[0]
    assert "voice" not in intro and "face and words are combined" in intro
