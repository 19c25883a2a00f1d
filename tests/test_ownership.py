"""Security and privacy v2 (#15), findings 1 and 3: a person's results are theirs alone, only aggregates
are public, and an interview belongs to the browser or token that started it (no session fixation)."""

from __future__ import annotations

import re

import pytest

from library.emotions import EMOTIONS
from library.history.owners import owner_of
from library.stored_kinds import read_result
from sample_texts import ESSAY, GLOOMY

HEADER = "X-ESAPR-Token"


def _token_of(client) -> str:
    return client.get("/my/").headers["Location"].rsplit("/", 1)[-1]


def _video_scores(main: str = "happy") -> dict:
    probs = {e: (0.55 if e == main else 0.075) for e in EMOTIONS}
    return {"source": "live", "duration_s": 5.0, "frames_analysed": 10, "frames_with_face": 10,
            "distribution": probs, "dominant": main, "blinks": 1, "blinks_per_minute": 12.0,
            "timeline": [{"t": t / 2, "probabilities": probs} for t in range(10)], "gradcam": None}


def _finished_interview(client, app) -> tuple[str, str]:
    """A finished interview of ``client`` (a video answer of theirs, the rest skipped): (session, report id)."""
    started = client.post("/api/v1/interview")
    session_id, token = started.get_json()["session"], started.headers[HEADER]
    video_id = app.extensions["esapr_store"].for_owner(owner_of(token)).add("video", read_result("video", _video_scores())).id
    client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": video_id})
    client.post(f"/api/v1/interview/{session_id}/audio/skip")
    client.post(f"/api/v1/interview/{session_id}/text/skip")
    return session_id, client.post(f"/api/v1/interview/{session_id}/report").get_json()["id"]


# --- finding 1: results are their owner's alone ---------------------------------------------------

@pytest.mark.real_models
def test_public_history_holds_no_ids_and_no_one_persons_words(client):
    """Before: the everyone-CSV held every id and each text's top words, and /history/text summed the words of
    a single person."""
    posted = client.post("/api/v1/text", data={"text": ESSAY}).get_json()
    marker = posted["top_words"][0][0]
    for channel in ("text", "video", "audio", "interview"):
        csv = client.get(f"/api/v1/history/{channel}.csv").get_data(as_text=True)
        assert posted["id"] not in csv and not re.search(r"[0-9a-f]{32}", csv), channel
        assert csv.splitlines()[0] == "measure,n,mean,std,p10,p25,median,p75,p90"
    assert marker not in client.get("/api/v1/history/text.csv").get_data(as_text=True)
    history = client.get("/api/v1/history/text").get_json()
    assert history["count"] == 1 and history["top_words"] == [] and marker not in str(history)


@pytest.mark.real_models
def test_a_result_page_opens_only_for_its_owner(app, client):
    """Before: any id opened /text/result/<id> (and the others) with no cookie or token."""
    text_id = client.post("/api/v1/text", data={"text": ESSAY}).get_json()["id"]
    token = _token_of(client)
    video_id = app.extensions["esapr_store"].for_owner(owner_of(token)).add("video", read_result("video", _video_scores())).id
    _, report_id = _finished_interview(client, app)
    pages = [f"/text/result/{text_id}", f"/video/result/{video_id}", f"/interview/report/{report_id}",
             f"/interview/report/{report_id}.html", f"/interview/report/{report_id}.json"]
    stranger = app.test_client()
    stranger.post("/api/v1/text", data={"text": GLOOMY * 2})  # a stranger with a token of their own
    for page in pages:
        assert client.get(page).status_code == 200, page  # the browser that made it (cookie)
        assert app.test_client().get(page, headers={HEADER: token}).status_code == 200, page  # its token
        assert app.test_client().get(page).status_code == 404, page  # nobody
        assert stranger.get(page).status_code == 404, page  # someone else
        assert app.test_client().get(page, headers={HEADER: "x" * 32}).status_code == 404, page


@pytest.mark.real_models
def test_the_private_link_opens_results_on_another_device_without_adopting_the_token(app, client):
    text_id = client.post("/api/v1/text", data={"text": ESSAY}).get_json()["id"]
    _, report_id = _finished_interview(client, app)
    token = _token_of(client)
    device = app.test_client()
    listing = device.get(f"/my/{token}").get_data(as_text=True)
    links = re.findall(rf'href="(/my/{token}/result/[0-9a-f]{{32}})"', listing)
    assert f"/my/{token}/result/{text_id}" in links and f"/my/{token}/result/{report_id}" in links
    assert "Your words" in device.get(f"/my/{token}/result/{text_id}").get_data(as_text=True)
    report = device.get(f"/my/{token}/result/{report_id}").get_data(as_text=True)
    # The report's own links stay inside the private link: this device has no cookie to open the plain ones.
    assert f'href="/my/{token}/result/{report_id}.html"' in report
    assert device.get(f"/my/{token}/result/{report_id}.json").status_code == 200
    assert device.get(f"/my/{token}/history/text.csv").get_data(as_text=True).count(text_id) == 1
    # The link never became this device's identity: its plain pages still answer 404.
    assert device.get(f"/text/result/{text_id}").status_code == 404
    assert device.get("/my/").status_code == 200 and b"Nothing has been stored" in device.get("/my/").data
    # Another person's link does not open this person's results.
    other = app.test_client()
    other.post("/api/v1/text", data={"text": GLOOMY * 2})
    assert device.get(f"/my/{_token_of(other)}/result/{text_id}").status_code == 404


def test_an_interview_cannot_take_someone_elses_analysis(app, client):
    """Attaching a stranger's analysis id would show their figures in one's own report."""
    victim = app.test_client()
    victims_video = app.extensions["esapr_store"].for_owner(
        owner_of(victim.post("/api/v1/video/session").headers[HEADER])).add("video", read_result("video", _video_scores("sad"))).id
    session_id = client.post("/api/v1/interview").get_json()["session"]
    refused = client.post(f"/api/v1/interview/{session_id}/video", data={"analysis_id": victims_video})
    assert refused.status_code == 400 and "no video analysis" in refused.get_json()["error"]


@pytest.mark.real_models
def test_a_capture_session_is_its_starters_alone(app, client):
    session_id = client.post("/api/v1/video/session").get_json()["session"]
    assert client.get(f"/api/v1/video/session/{session_id}").status_code == 200
    stranger = app.test_client()
    assert stranger.get(f"/api/v1/video/session/{session_id}").status_code == 404
    assert stranger.post(f"/api/v1/video/session/{session_id}/finish").status_code == 409
    assert client.post(f"/api/v1/video/session/{session_id}/finish").status_code == 200


# --- finding 3: interview session fixation --------------------------------------------------------

def test_opening_someone_elses_interview_link_adopts_nothing(app):
    """Before: GET /interview/<sid>/<step> wrote the attacker's session into the victim's cookie; the victim's
    answers then went into it, and the attacker read them and could delete the report."""
    attacker, victim = app.test_client(), app.test_client()
    session_id = attacker.post("/interview/", data={"consent": "yes"}).headers["Location"].split("/")[-2]
    assert victim.get(f"/interview/{session_id}/video").status_code == 404
    assert victim.get("/interview/").status_code == 200  # the start page, not a redirect into that interview
    assert victim.get_cookie("session") is None or "interview_session" not in _session_of(app, victim)
    # Nor can the victim (or anyone else) act on it by id.
    assert victim.post(f"/interview/{session_id}/video/skip").status_code == 404
    assert victim.post(f"/interview/{session_id}/text", data={"text": ESSAY}).status_code == 404
    assert victim.get(f"/interview/{session_id}/report").status_code == 404
    assert victim.post(f"/api/v1/interview/{session_id}/audio/skip").status_code == 404
    assert victim.get(f"/api/v1/interview/{session_id}").status_code == 404
    # The attacker's own interview is untouched and still theirs.
    assert attacker.get(f"/api/v1/interview/{session_id}").get_json()["steps"] == {
        "video": None, "audio": None, "text": None}


def test_a_finished_report_is_not_readable_through_its_session_id(app, client):
    session_id, report_id = _finished_interview(client, app)
    stranger = app.test_client()
    assert stranger.get(f"/api/v1/interview/{session_id}").status_code == 404
    finished = stranger.get(f"/interview/{session_id}/report")
    assert finished.status_code == 404 and report_id not in finished.get_data(as_text=True)


def _session_of(app, client) -> dict:
    cookie = client.get_cookie("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


@pytest.mark.parametrize("path", ["/interview/{sid}/video", "/interview/{sid}/audio", "/interview/{sid}/text"])
def test_the_owner_still_moves_through_the_steps(app, client, path):
    session_id = client.post("/interview/", data={"consent": "yes"}).headers["Location"].split("/")[-2]
    assert client.get(path.format(sid=session_id)).status_code == 200
    assert _session_of(app, client)["interview_session"] == session_id


def test_reaching_the_store_makes_no_token(app):
    """store() only reads who the request is: the token a POST needs was given before the view ran."""
    from flask import session

    from web.platform.extensions import store
    from web.platform.owner import COOKIE_KEY

    with app.test_request_context("/api/v1/text", method="POST"):
        assert store().owner is None and COOKIE_KEY not in session
