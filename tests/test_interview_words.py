"""The interview's words channel: the written answer and the transcripts of the video and voice answers,
pooled by their measured reliability; the report shows what was said per step, and an answer deleted
since no longer counts (neither its figures nor its words)."""

from __future__ import annotations

import pytest

from library.emotions import EMOTIONS
from library.errors import UnprocessableInput
from library.interview import fuse, load_reliability
from library.interview.combine import answer_inputs, combine
from library.interview.fusion import CHANCE
from library.interview.words import SPOKEN_WORD_ERROR, WordsSource, pool_words
from library.stored_kinds import read_result
from sample_texts import ESSAY
from test_interview_web import _probs, audio_row, owned_store, start, token_of, video_row

TEXT_LABELS = ("angry", "disgust", "fear", "happy", "sad")


def _text_row(main: str, p: float = 0.7, guilt: float = 0.1) -> dict[str, float]:
    rest = (1 - p - guilt) / (len(TEXT_LABELS) - 1)
    return {e: (p if e == main else rest if e in TEXT_LABELS else 0.0) for e in EMOTIONS}


def _spoken(main: str, text: str, confident: bool = True) -> dict:
    """The transcript and words a video or voice analysis stores (library/text/spoken.py)."""
    return {"transcript": {"text": text, "segments": [{"start": 0.0, "end": 3.0, "text": text}], "language": "en",
                           "confident": confident},
            "words": {"word_count": len(text.split()), "emotion": _text_row(main),
                      "extra": {"shame": 0.05, "guilt": 0.05},
                      "dominant": main, "traits": None, "too_short_for_traits": True, "min_words_for_traits": 50}}


def test_sources_weigh_by_reliability_above_chance_and_spoken_words_count_their_errors():
    written, spoken = WordsSource("text", _text_row("sad"), 120), WordsSource("video", _text_row("happy"), 90)
    reading = pool_words([written, spoken], text_accuracy=0.6)
    w_written, w_spoken = 0.6 - CHANCE, 0.6 * (1 - SPOKEN_WORD_ERROR) - CHANCE
    assert reading.weights["text"] == pytest.approx(w_written / (w_written + w_spoken))
    assert reading.weights["video"] == pytest.approx(w_spoken / (w_written + w_spoken))
    assert reading.weights["text"] > reading.weights["video"]
    for e in EMOTIONS:  # a weighted mean of the rows as given: shame and guilt stay outside, as fusion expects
        expected = (reading.weights["text"] * written.probabilities[e]
                    + reading.weights["video"] * spoken.probabilities[e])
        assert reading.probabilities[e] == pytest.approx(expected)
    assert sum(reading.probabilities.values()) == pytest.approx(0.9)
    assert reading.reliability == pytest.approx(reading.weights["text"] * 0.6
                                                + reading.weights["video"] * 0.6 * (1 - SPOKEN_WORD_ERROR))
    assert any("your written answer (52%) and what you said in the video answer (48%)" in n for n in reading.notes)


def test_a_transcript_the_recogniser_doubts_is_left_out_and_said_so():
    reading = pool_words([WordsSource("text", _text_row("sad"), 80),
                          WordsSource("audio", _text_row("happy"), 30, confident=False)], text_accuracy=0.6)
    assert reading.weights == {"text": 1.0} and reading.probabilities == pytest.approx(_text_row("sad"))
    assert any("unsure" in n and "voice answer" in n for n in reading.notes)
    only_doubtful = pool_words([WordsSource("audio", _text_row("happy"), 30, confident=False)], 0.6)
    assert only_doubtful.probabilities is None


def test_spoken_words_alone_make_a_words_channel_and_move_the_fused_reading():
    reliability = load_reliability()
    if reliability["text"].score is None or reliability["video"].score is None:
        pytest.skip("the shipped face or text model has no measured accuracy")
    face_only = fuse({"video": _probs("sad")}, {"video": reliability["video"].score})
    inputs = answer_inputs({"video": read_result("video", {"distribution": _probs("sad"),
                                                           **_spoken("happy", "what a wonderful day")})},
                           reliability)
    report, words = combine(inputs)
    fused = report.fused
    assert fused.channels_used == ["video", "text"] and words.weights == {"video": 1.0}
    assert fused.probabilities["happy"] > face_only.probabilities["happy"]
    # The words channel is weighted with the transcript's lower reliability, and the table says why.
    assert report.reliability["text"].score == pytest.approx(reliability["text"].score * (1 - SPOKEN_WORD_ERROR))
    assert "spoken words" in report.reliability["text"].measure
    # The inputs kept hold figures only, never what was said.
    assert "wonderful" not in repr(inputs)
    with pytest.raises(UnprocessableInput, match="nothing to report"):
        combine(inputs, gone={"video"})


def _attach(client, session_id: str, step: str, analysis_id: str) -> None:
    response = client.post(f"/api/v1/interview/{session_id}/{step}", data={"analysis_id": analysis_id})
    assert response.status_code == 200, response.get_json()


def _spoken_row(client, app, channel: str, row_id: str, main: str, text: str) -> str:
    """A copy of a stored video or voice row with a transcript and its words added."""
    store = owned_store(client, app)
    scores = {**store.get(row_id).scores, **_spoken(main, text)}
    return store.add(channel, read_result(channel, scores)).id


@pytest.mark.real_models
def test_report_fuses_written_and_spoken_words_and_shows_what_was_said(client, app):
    session_id = start(client)
    video_id = _spoken_row(client, app, "video", video_row(client, app, "happy"), "happy",
                           "I finally finished the marathon and I am so proud")
    audio_id = _spoken_row(client, app, "audio", audio_row(client, app, "happy"), "sad",
                           "my grandmother has been ill all week")
    _attach(client, session_id, "video", video_id)
    _attach(client, session_id, "audio", audio_id)
    assert client.post(f"/api/v1/interview/{session_id}/text", data={"text": ESSAY}).status_code == 200
    done = client.post(f"/api/v1/interview/{session_id}/report")
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    words = body["words"]
    assert set(words["weights"]) == {"text", "video", "audio"}
    assert words["weights"]["text"] > words["weights"]["video"] == pytest.approx(words["weights"]["audio"])
    # each weight is stored rounded to 4 decimals, so three of them sum to 1 within 1.5e-4
    assert sum(words["weights"].values()) == pytest.approx(1.0, abs=1.5e-4)
    pooled = body["report"]["fused"]["readings"]["text"]["probabilities"]
    assert pooled == pytest.approx(words["probabilities"], abs=1e-3)
    assert "marathon" not in str(body["inputs"])  # the report's own figures hold no words

    page = client.get(body["report_url"]).get_data(as_text=True)
    assert 'id="said-video"' in page and "finished the marathon" in page
    assert 'id="said-audio"' in page and "grandmother has been ill" in page
    assert "of the words' reading" in page
    other = app.test_client()  # nobody else sees what was said, in the report or in any aggregate
    assert other.get(body["report_url"]).status_code == 404
    for path in ("/api/v1/history/interview.csv", "/api/v1/history/video.csv", "/api/v1/history/text"):
        assert "marathon" not in other.get(path).get_data(as_text=True)

    # Deleting the video answer: its words vanish from the report, and the report no longer counts it.
    assert client.delete(f"/api/v1/me/analyses/{video_id}",
                         headers={"X-ESAPR-Token": token_of(client)}).status_code == 200
    view = client.get(f"/interview/report/{body['id']}.json").get_json()
    fused = view["report"]["fused"]
    assert "video" not in fused["channels_used"] and set(view["words"]["weights"]) == {"text", "audio"}
    assert any("video answer was deleted" in n for n in fused["notes"])
    assert view["channels"]["video"]["deleted"] is True and view["channels"]["video"]["transcript"] is None
    page = client.get(body["report_url"]).get_data(as_text=True)
    assert "marathon" not in page and "Deleted by you" in page and "grandmother" in page


def test_a_retaken_answer_counts_once_with_its_latest_words(client, app):
    session_id = start(client)
    first = _spoken_row(client, app, "video", video_row(client, app, "sad"), "sad", "the first take went badly")
    second = _spoken_row(client, app, "video", video_row(client, app, "happy"), "happy", "the second take went well")
    _attach(client, session_id, "video", first)
    _attach(client, session_id, "video", second)
    for step in ("audio", "text"):
        client.post(f"/api/v1/interview/{session_id}/{step}/skip")
    body = client.post(f"/api/v1/interview/{session_id}/report").get_json()
    assert body["words"]["weights"] == {"video": 1.0}
    assert body["words"]["sources"][0]["probabilities"]["happy"] == pytest.approx(0.7)
    page = client.get(body["report_url"]).get_data(as_text=True)
    assert "second take went well" in page and "first take" not in page
