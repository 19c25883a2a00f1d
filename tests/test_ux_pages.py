"""What a first-time user stumbled on in the dashboards and pages (issue 28, items 6-9), through the test client:
the Big Five explained and in one unit everywhere, counts where counts are expected, labelled charts, a sentence
when voice and words disagree, one name for one thing, model cards a web user can open, plain refusals."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from library.emotions import EMOTIONS
from library.stored_kinds import read_result
from sample_texts import ESSAY
from test_interview_web import _probs, owned_store, start, token_of

ROOT = Path(__file__).resolve().parent.parent


def _specs(page: str) -> dict[str, dict]:
    return {name: json.loads(body) for name, body in
            re.findall(r'<script type="application/json" id="spec-([\w-]+)">(.*?)</script>', page, re.S)}


def _words(reading: str, state: str = "named") -> dict:
    return {"word_count": 7, "emotion": {e: (0.8 if e == reading else 0.0) for e in EMOTIONS},
            "extra": {"shame": 0.0, "guilt": 0.0}, "dominant": reading, "traits": None,
            "too_short_for_traits": True, "min_words_for_traits": 50,
            "reading": {"state": state, "shown": reading, "label": reading, "confidence": 0.8,
                        "probabilities": {reading: 0.8}, "unclear_below": 0.5, "neutral_possible": False,
                        "pushed_by": [["wonderful", 0.3]], "explained_by": "occlusion"}}


TRANSCRIPT = {"text": "what a wonderful day. I loved it.", "language": "en", "confident": True,
              "segments": [{"start": 0.0, "end": 2.0, "text": "what a wonderful day."},
                           {"start": 2.5, "end": 4.0, "text": "I loved it."}]}


@pytest.mark.real_models
def test_text_dashboard_explains_the_big_five_in_percent_and_counts_words(client):
    text_id = client.post("/api/v1/text", data={"text": ESSAY}).get_json()["id"]
    page = client.get(f"/text/result/{text_id}").get_data(as_text=True)
    table = page.split('id="big-five-table"')[1].split("</table>")[0]
    assert re.search(r"Chance of &#34;high&#34;'>\d+%</td>|Chance of \"high\"'>\d+%</td>", table), table
    assert not re.search(r">0\.\d\d<", table)  # "0.57" on one page, "48%" on another, before
    explained = page.split('id="big-five-explained"')[1].split("</details>")[0]
    for trait in ("Openness", "Conscientiousness", "Extraversion", "Agreeableness", "Neuroticism"):
        assert trait in explained
    assert "questionnaire" in explained and "43–57%" in explained
    words = _specs(page)["words"]
    assert words["encoding"]["x"]["field"] == "count" and "Times" in words["encoding"]["x"]["title"]
    traits = json.dumps(_specs(page)["traits"])
    assert "Chance of" in traits and "Probability of" not in traits


def test_video_dashboard_labels_the_words_row_and_the_blink_line(client, app):
    start(client)  # this client's token, so the rows are its own
    other = app.test_client()  # an earlier user, so the blink chart has someone to compare with
    start(other)
    scores = {"source": "live", "duration_s": 5.0, "frames_analysed": 10, "frames_with_face": 10,
              "distribution": _probs("sad"), "dominant": "sad", "blinks": 1, "blinks_per_minute": 12.0,
              "timeline": [{"t": t / 2, "probabilities": _probs("sad")} for t in range(10)], "gradcam": None,
              "voice": {"dominant": "angry", "confident": True, "voiced_fraction": 0.8, "duration_s": 5.0,
                        "timeline": [{"t": float(t), "probabilities": _probs("angry")} for t in range(5)]},
              "transcript": TRANSCRIPT, "words": _words("happy")}
    owned_store(other, app).add("video", read_result("video", {**scores, "blinks_per_minute": 20.0}))
    video_id = owned_store(client, app).add("video", read_result("video", scores)).id
    page = client.get(f"/video/result/{video_id}").get_data(as_text=True)
    assert "hover" not in page.lower()
    specs = _specs(page)
    layers = specs["words_timeline"]["layer"]
    assert any(layer["mark"]["type"] == "text" and layer["encoding"]["text"]["field"] == "n" for layer in layers)
    assert "1. 0.0–2.0 s" in page and "2. 2.5–4.0 s" in page  # the list under "Your words", numbered alike
    assert "The red line is you" in page
    assert any("red line" in item["label"] for item in specs["blinks"]["usermeta"]["key"])
    said = " ".join(page.split('id="channels-disagree"')[1].split("</p>")[0].split())
    assert said.startswith(">Your voice reads angry, your words read happy and your face reads sad: they disagree")


def test_voice_dashboard_says_when_voice_and_words_disagree(client, app):
    start(client)
    probs = _probs("sad")
    scores = {"duration_s": 4.0, "timeline": [{"t": float(t), "probabilities": probs} for t in range(4)],
              "distribution": {e: float(e == "sad") for e in EMOTIONS}, "dominant": "sad", "confident": True,
              "mean_probabilities": probs, "voiced_fraction": 0.8, "clipping_fraction": 0.0, "clipped": False,
              "sample_rate": 48000, "transcript": TRANSCRIPT, "words": _words("happy")}
    audio_id = owned_store(client, app).add("audio", read_result("audio", scores)).id
    page = client.get(f"/audio/result/{audio_id}").get_data(as_text=True)
    said = " ".join(page.split('id="channels-disagree"')[1].split("</p>")[0].split())
    assert said.startswith(">Your words read happy and your voice reads sad: they disagree")
    agreeing = owned_store(client, app).add("audio", read_result("audio", {**scores, "words": _words("sad")})).id
    assert 'id="channels-disagree"' not in client.get(f"/audio/result/{agreeing}").get_data(as_text=True)


def test_the_standalone_video_page_is_not_called_an_interview(client):
    home = client.get("/").get_data(as_text=True)
    video = client.get("/video/").get_data(as_text=True)
    for page in (home, video):
        assert "video interview" not in page.lower() and "recorded interview" not in page.lower()
    assert "<title>Video answer" in video and "Record a video answer" in home
    session_id = start(client)
    assert "<title>Interview" in client.get(f"/interview/{session_id}/video").get_data(as_text=True)


def test_model_cards_open_from_the_pages(client):
    about = client.get("/about").get_data(as_text=True)
    assert "<code>Models/</code>" not in about  # a folder on the server, out of a web user's reach
    cards = re.findall(r'href="(/about/models/[\w-]+)"', about)
    assert len(cards) == 5  # face (wild tier), face (live tier), voice, Big Five, text emotion
    for url in cards:
        card = client.get(url)
        assert card.status_code == 200 and "<h1>" in card.get_data(as_text=True)
    voice = client.get("/about/models/voice").get_data(as_text=True)
    for image in re.findall(r'<img src="([\w.]+\.png)"', voice):
        assert client.get(f"/about/models/{image}").status_code == 200
    assert client.get("/about/models/..%2F..%2Fmain.png").status_code == 404
    assert client.get("/about/models/secrets").status_code == 404


def test_an_exe_renamed_pdf_is_told_what_is_wrong(client):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4
    response = client.post("/api/v1/text", data={"file": (io.BytesIO(program), "essay.pdf")})
    assert response.status_code == 415
    assert "named .pdf but is not a PDF" in response.get_json()["error"]


def test_the_voice_page_does_not_say_listening_once_the_recording_stopped():
    script = (ROOT / "static/js/audio_capture.js").read_text(encoding="utf-8")
    assert "Listening to your recording" not in script


def test_the_dashboards_link_their_model_cards(client, app):
    start(client)
    probs = _probs("sad")
    scores = {"duration_s": 4.0, "timeline": [{"t": float(t), "probabilities": probs} for t in range(4)],
              "distribution": {e: float(e == "sad") for e in EMOTIONS}, "dominant": "sad",
              "mean_probabilities": probs, "voiced_fraction": 0.8, "clipping_fraction": 0.0, "clipped": False,
              "sample_rate": 48000}
    audio_id = owned_store(client, app).add("audio", read_result("audio", scores)).id
    page = client.get(f"/audio/result/{audio_id}").get_data(as_text=True)
    if "its model card" in page:  # only said when the shipped model's accuracy is known
        assert '<a href="/about/models/voice">its model card</a>' in page
    assert token_of(client)
