"""The text API and pages with the real shipped model, and how they fail on bad input."""

from __future__ import annotations

import io

import pytest

from library.text import TRAITS
from sample_texts import ESSAY, GLOOMY


def _post_text(client, text):
    return client.post("/api/v1/text", data={"text": text})


@pytest.mark.real_models
def test_analyse_pasted_text_returns_contract_and_stores_scores_only(client, app):
    response = _post_text(client, ESSAY)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) >= {"id", "traits", "word_count", "top_words"}
    assert tuple(body["traits"]) == TRAITS
    assert all(0.0 <= p <= 1.0 for p in body["traits"].values())
    assert body["word_count"] == len(ESSAY.split())
    assert len(body["top_words"]) == 15
    words = dict(body["top_words"])
    assert all(isinstance(c, int) and c >= 1 for c in words.values())
    assert "the" not in words and "and" not in words  # stop words dropped

    stored = app.extensions["esapr_store"].get(body["id"])
    assert stored.channel == "text"
    # Only derived figures: no field holds the raw text or a long stretch of it.
    flat = repr(stored.scores)
    assert "sitting in my room" not in flat and len(flat) < 2000


@pytest.mark.real_models
def test_different_texts_get_different_traits(client):
    a = _post_text(client, ESSAY).get_json()["traits"]
    b = _post_text(client, GLOOMY * 2).get_json()["traits"]
    assert max(abs(a[t] - b[t]) for t in TRAITS) > 0.01


@pytest.mark.real_models
def test_txt_upload_is_read_by_content(client):
    data = {"file": (io.BytesIO(ESSAY.encode("utf-8")), "notes.bin")}
    response = client.post("/api/v1/text", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert response.get_json()["word_count"] == len(ESSAY.split())


@pytest.mark.real_models
def test_pdf_upload(client):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, ESSAY)
    data = {"file": (io.BytesIO(bytes(pdf.output())), "essay.pdf")}
    response = client.post("/api/v1/text", data=data, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert abs(response.get_json()["word_count"] - len(ESSAY.split())) <= 5


@pytest.mark.parametrize(
    "data, status, fragment",
    [
        ({}, 400, "text"),
        ({"text": "   "}, 400, "text"),
        ({"text": "far too short to say anything"}, 422, "50"),
        ({"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8), "photo.txt")}, 415, ""),
        ({"file": (io.BytesIO(b"%PDF-1.7\n garbage that is not a pdf"), "broken.pdf")}, 422, ""),
    ],
)
@pytest.mark.real_models
def test_bad_inputs_get_json_errors(client, data, status, fragment):
    response = client.post("/api/v1/text", data=data, content_type="multipart/form-data")
    assert response.status_code == status
    body = response.get_json()
    assert isinstance(body["error"], str) and fragment in body["error"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_too_large_upload_is_413_json(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/v1/text", data={"text": "word " * 2000})
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]


def test_too_long_text_is_413(app, client):
    app.config["TEXT_MAX_CHARS"] = 1000
    response = _post_text(client, ESSAY * 3)
    assert response.status_code == 413


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and "error" in response.get_json()


def test_history_aggregates_and_csv(tmp_path, shared_loaders):
    from conftest import make_test_app

    # Three people: everyone's figures are published from 3 (the default is 20, library/history/disclosure.py).
    app = make_test_app(tmp_path, shared_loaders, PUBLIC_FIGURES_MIN_PEOPLE=3)
    client = app.test_client()
    for text in (ESSAY, GLOOMY * 2, ESSAY + " " + GLOOMY):
        assert _post_text(app.test_client(), text).status_code == 200
    history = client.get("/api/v1/history/text").get_json()
    assert history["count"] == 3
    assert set(history["traits"]) == set(TRAITS)
    assert history["traits"]["openness"]["n"] == 3
    assert 0 <= history["traits"]["openness"]["mean"] <= 1
    assert history["top_words"] == []  # too few people to show any word (#15)

    response = client.get("/api/v1/history/text.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0] == "measure,n,mean,std,p10,p25,median,p75,p90"
    assert lines[1] == "analyses,3,,,,,,," and any(line.startswith("traits.openness,3,") for line in lines)
    assert client.get("/api/v1/history/nope.csv").status_code == 404
    app.extensions["esapr_store"].close()


def test_everyone_top_words_need_enough_distinct_people(tmp_path, shared_loaders):
    """A word of everyone's appears once PUBLIC_WORDS_MIN_USERS different tokens used it, never sooner."""
    from conftest import make_test_app

    app = make_test_app(tmp_path, shared_loaders, PUBLIC_WORDS_MIN_USERS=3)
    same_person = app.test_client()
    for _ in range(3):  # three texts, one person
        assert _post_text(same_person, ESSAY).status_code == 200
    assert app.test_client().get("/api/v1/history/text").get_json()["top_words"] == []
    for _ in range(2):  # two more people, who used the same words
        assert _post_text(app.test_client(), ESSAY).status_code == 200
    words = app.test_client().get("/api/v1/history/text").get_json()["top_words"]
    assert len(words) == 15 and words[0][1] >= words[-1][1]
    app.extensions["esapr_store"].close()


@pytest.mark.real_models
def test_dashboard_compares_with_earlier_users(client):
    first = _post_text(client, GLOOMY * 2).get_json()["id"]
    second = _post_text(client, ESSAY).get_json()["id"]
    page = client.get(f"/text/result/{first}").get_data(as_text=True)
    assert "You are the first user" in page
    page = client.get(f"/text/result/{second}").get_data(as_text=True)
    assert "Compared with 1 earlier user" in page
    assert 'id="spec-traits"' in page and 'id="spec-words"' in page
    assert "/vendor/vega-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/text/result/does-not-exist").status_code == 404


@pytest.mark.real_models
def test_form_post_without_javascript_redirects_to_dashboard(client):
    response = client.post("/text/", data={"text": ESSAY})
    assert response.status_code == 303 and "/text/result/" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200
    bad = client.post("/text/", data={"text": "short"})
    assert bad.status_code == 422 and "at least" in bad.get_data(as_text=True)


def test_pages_render(client):
    home = client.get("/").get_data(as_text=True)
    for channel in ("/text/", "/video/", "/audio/", "/interview/"):
        assert f'href="{channel}"' in home  # every channel is reachable from the home page
    about = client.get("/about").get_data(as_text=True)
    assert "not a diagnosis" in about.lower() or "Not a diagnosis" in about
    assert "hiring" in about and "schooling" in about


def test_secret_key_generated_once_and_kept_in_the_database(tmp_path, monkeypatch):
    from main import create_app

    monkeypatch.delenv("ESAPR_SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert not (tmp_path / "inst" / "secret_key").exists()  # in the database, shared by every worker
    monkeypatch.setenv("ESAPR_SECRET_KEY", "from-env")
    assert create_app(dict(config)).config["SECRET_KEY"] == "from-env"


# Common words only, each one in the project's stop-word list (checked in the test, so that a change of list shows).
STOP_WORDS_ONLY = ("and the of to in that it was for on with as at by from this but not or have had they we you "
                   "there were been has would will what if can when so no ") * 3


@pytest.mark.real_models
def test_a_text_of_stop_words_alone_gets_a_reading_with_nothing_to_explain(client):
    """Such a text used to end in a 500 (the emotion reading scored an empty batch of texts without each word)."""
    from library.text.preprocess import content_words, stop_words

    assert set(STOP_WORDS_ONLY.split()) <= stop_words() and content_words(STOP_WORDS_ONLY) == []
    response = _post_text(client, STOP_WORDS_ONLY)
    assert response.status_code == 200, response.get_data(as_text=True)[-300:]
    body = response.get_json()
    assert body["top_words"] == [] and body["word_count"] == len(STOP_WORDS_ONLY.split())
    reading = body["emotion_reading"]
    assert reading["shown"] in {"neutral", "unclear", *reading["probabilities"]}
    assert reading["pushed_by"] == [] and reading["explained_by"] == ""

    form = client.post("/text/", data={"text": STOP_WORDS_ONLY})
    assert form.status_code == 303, form.get_data(as_text=True)[-300:]
    page = client.get(form.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "There is no content word to list" in html and 'id="chart-words"' not in html
    assert "The emotion in your words" in html
