"""Security v3: what everyone may read about everyone gives back no one person's words or figures.

Made-up people (a POST without a token gets a fresh one) must not publish one person's words, and a
public figure read before and after one person's analysis must not give back that person's values
(library/history/disclosure.py). Each test failed on the code before this pass.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from conftest import make_test_app
from library.history.disclosure import Disclosure, Release, laplace
from library.history.owners import owner_of
from library.stored_kinds import STORED_KINDS, read_result
from library.text import TRAITS
from sample_texts import ESSAY

# 60 words of four content words: a made-up person adds almost nothing to everyone's words. (Stop words alone
# make the text model fail with a 500: reported, not part of this pass.)
EMPTY_TEXT = " ".join(["apples", "and", "pears", "and", "plums", "and", "grapes", "."] * 8)


def _words(client) -> list[str]:
    return [word for word, _ in client.get("/api/v1/history/text").get_json()["top_words"]]


def test_fresh_tokens_do_not_publish_one_persons_words(tmp_path, shared_loaders):
    app = make_test_app(tmp_path, shared_loaders)  # the default rule: 20 people
    mine = app.test_client().post("/api/v1/text", data={"text": ESSAY}).get_json()["top_words"]
    for _ in range(25):  # 25 made-up people, each a fresh token with an analysis of its own
        assert app.test_client().post("/api/v1/text", data={"text": EMPTY_TEXT}).status_code == 200
    assert app.test_client().get("/api/v1/history/text").get_json()["count"] == 26
    assert not {word for word, _ in mine} & set(_words(app.test_client()))
    app.extensions["esapr_store"].close()


def test_a_word_is_published_once_enough_people_used_it(tmp_path, shared_loaders):
    app = make_test_app(tmp_path, shared_loaders, PUBLIC_WORDS_MIN_USERS=3)
    for _ in range(2):
        assert app.test_client().post("/api/v1/text", data={"text": ESSAY}).status_code == 200
    assert _words(app.test_client()) == []  # two people: no word of theirs yet
    assert app.test_client().post("/api/v1/text", data={"text": ESSAY}).status_code == 200
    published = app.test_client().get("/api/v1/history/text").get_json()["top_words"]
    assert len(published) == 15 and all(abs(count - 3) <= 8 for _, count in published)  # people, noised
    app.extensions["esapr_store"].close()


def _traits(rng: random.Random) -> dict:
    return {"traits": {t: round(rng.random(), 4) for t in TRAITS}, "word_count": rng.randint(50, 900),
            "top_words": [["river", 2]]}


def _store_text(app, owner: str, scores: dict) -> None:
    app.extensions["esapr_store"].for_owner(owner_of(owner)).add("text", read_result("text", scores))


def test_before_and_after_one_analysis_do_not_give_back_its_traits(tmp_path, shared_loaders):
    app = make_test_app(tmp_path, shared_loaders)
    rng = random.Random(7)
    for i in range(30):
        _store_text(app, f"{i:032d}", _traits(rng))
    client = app.test_client()
    before = client.get("/api/v1/history/text").get_json()
    assert before == client.get("/api/v1/history/text").get_json()  # the same state, the same answer
    victim = {t: 0.9123 for t in TRAITS}
    _store_text(app, "v" * 32, {"traits": victim, "word_count": 777, "top_words": [["river", 1]]})
    after = client.get("/api/v1/history/text").get_json()
    n0, n1 = before["traits"]["openness"]["n"], after["traits"]["openness"]["n"]
    assert (n0, n1) == (30, 31)
    recovered = {t: n1 * after["traits"][t]["mean"] - n0 * before["traits"][t]["mean"] for t in TRAITS}
    errors = [abs(recovered[t] - victim[t]) for t in TRAITS]
    assert np.mean(errors) > 0.1, recovered  # the old code gave all five back to 4 decimals
    words = n1 * after["word_count"]["mean"] - n0 * before["word_count"]["mean"]
    assert abs(words - 777) > 20
    # The figures are still near the truth: noise of about 1/30 of a trait's range here.
    truth = np.mean([rng_row for rng_row in _exact_openness(app)])
    assert abs(after["traits"]["openness"]["mean"] - truth) < 0.3
    app.extensions["esapr_store"].close()


def _exact_openness(app) -> list[float]:
    store = app.extensions["esapr_store"]
    return [a.scores["traits"]["openness"] for a in store.iter_channel("text", None)]


def test_one_persons_rows_publish_no_figure(tmp_path, shared_loaders):
    """Over one person every quantile was that person's value; under the minimum of people nothing but the count."""
    app = make_test_app(tmp_path, shared_loaders)
    rng = random.Random(3)
    for _ in range(25):
        _store_text(app, "s" * 32, _traits(rng))
    history = app.test_client().get("/api/v1/history/text").get_json()
    assert history["count"] == 25 and history["traits"] == {} and history["word_count"] is None
    assert "20 different people" in history["figures_note"]
    csv = app.test_client().get("/api/v1/history/text.csv").get_data(as_text=True).strip().splitlines()
    assert csv[1:] == ["analyses,25,,,,,,,"]
    app.extensions["esapr_store"].close()


def test_dashboard_means_before_and_after_one_analysis_do_not_give_it_back(tmp_path):
    from library.history import HistoryStore
    from library.history.figures import FiguresCache
    from library.history.text_compare import compare_text

    store = HistoryStore(f"sqlite:///{tmp_path / 'h.sqlite3'}", STORED_KINDS)
    rng = random.Random(5)
    for i in range(40):
        store.for_owner(owner_of(f"{i:032d}")).add("text", read_result("text", _traits(rng)))
    victim = {t: 0.05 for t in TRAITS}
    store.for_owner(owner_of("v" * 32)).add("text", read_result("text", {"traits": victim, "word_count": 60,
                                                                        "top_words": []}))
    mine = read_result("text", _traits(rng))
    rule = Disclosure(secret=b"server secret")
    figures = FiguresCache(store.engine).channel("text")
    seqs = [int(s) for s in figures.rows.seq]
    before = compare_text(mine, figures.before(seqs[-1], rule), TRAITS, 20)  # the 40 before the victim's
    after = compare_text(mine, figures.before(None, rule), TRAITS, 20)
    assert (before["n_earlier"], after["n_earlier"]) == (40, 41)
    errors = [abs(41 * a["earlier_mean"] - 40 * b["earlier_mean"] - 0.05)
              for a, b in zip(after["traits"], before["traits"])]
    assert np.mean(errors) > 0.1, errors
    store.close()


def test_the_noise_is_a_function_of_the_secret_and_the_state():
    assert laplace(b"a", 1.0) == laplace(b"a", 1.0) != laplace(b"b", 1.0)
    draws = np.array([laplace(str(i).encode(), 2.0) for i in range(20_000)])
    assert abs(np.median(draws)) < 0.05 and abs(np.mean(np.abs(draws)) - 2.0) < 0.1  # Laplace(0, 2)
    values = np.full(100, 0.5)
    one = Release(Disclosure(secret=b"one"), 100, b"state").summary("traits.openness", values)
    other = Release(Disclosure(secret=b"two"), 100, b"state").summary("traits.openness", values)
    assert one != other and abs(one["mean"] - 0.5) < 0.1
    with pytest.raises(KeyError):
        Release(Disclosure(), 100, b"s").summary("unknown", values)


@pytest.mark.real_models
def test_deleting_a_live_result_deletes_its_frames_kept_answers(client):
    """Kept answers of live frames named the capture, not the result: deleting the result left them exported and
    replayable for a day."""
    import io

    from media import interview_frame, jpeg_bytes

    token = "L" * 32
    headers = {"X-ESAPR-Token": token}
    session = client.post("/api/v1/video/session", headers=headers).get_json()["session"]

    def frame(key: str):
        return client.post("/api/v1/video/frame", headers={**headers, "Idempotency-Key": key},
                           data={"frame": (io.BytesIO(jpeg_bytes(interview_frame())), "f.jpg"), "session": session,
                                 "t": "0.0"}, content_type="multipart/form-data")

    assert frame("frame-1").status_code == 200
    result = client.post(f"/api/v1/video/session/{session}/finish", headers=headers).get_json()["id"]
    assert len(client.get("/api/v1/me/export", headers=headers).get_json()["kept_for_retries"]) == 1
    assert client.delete(f"/api/v1/me/analyses/{result}", headers=headers).status_code == 200
    export = client.get("/api/v1/me/export", headers=headers).get_json()
    assert export["kept_for_retries"] == [] and export["captures"] == []
    assert "Idempotent-Replayed" not in frame("frame-1").headers


@pytest.mark.real_models
def test_purging_old_captures_purges_their_frames_kept_answers(app, client):
    import io
    from datetime import datetime, timedelta, timezone

    from library.history.owners import purge
    from media import interview_frame, jpeg_bytes

    headers = {"X-ESAPR-Token": "P" * 32}
    session = client.post("/api/v1/video/session", headers=headers).get_json()["session"]
    sent = client.post("/api/v1/video/frame", headers={**headers, "Idempotency-Key": "k"},
                       data={"frame": (io.BytesIO(jpeg_bytes(interview_frame())), "f.jpg"), "session": session},
                       content_type="multipart/form-data")
    assert sent.status_code == 200
    gone = purge(app.extensions["esapr_store"], keep_days=0, live_keep_s=60,
                 now=datetime.now(timezone.utc) + timedelta(hours=1))
    assert gone["captures"] == 1
    assert client.get("/api/v1/me/export", headers=headers).get_json()["kept_for_retries"] == []


def test_a_percentile_before_and_after_one_analysis_does_not_say_which_side_it_lies(tmp_path):
    """The same text's percentile read just before and just after someone's analysis said, for every trait, whether
    that person's value was below the text's (100/n percent more) or not."""
    from library.history import HistoryStore
    from library.history.figures import FiguresCache
    from library.history.text_compare import compare_text

    store = HistoryStore(f"sqlite:///{tmp_path / 'h.sqlite3'}", STORED_KINDS)
    rng = random.Random(11)
    for i in range(40):
        store.for_owner(owner_of(f"{i:032d}")).add("text", read_result("text", _traits(rng)))
    victim = 0.5
    store.for_owner(owner_of("v" * 32)).add("text", read_result("text", {"traits": {t: victim for t in TRAITS},
                                                                        "word_count": 60, "top_words": []}))
    figures = FiguresCache(store.engine).channel("text")
    rule = Disclosure(secret=b"server secret")
    before, after = figures.before(int(figures.rows.seq[-1]), rule), figures.before(None, rule)
    right = total = 0
    for k in range(60):  # probes on both sides of the victim's value
        probe = 0.3 + 0.4 * k / 59
        mine = read_result("text", {"traits": {t: probe for t in TRAITS}, "word_count": 60, "top_words": []})
        for b, a in zip(compare_text(mine, before, TRAITS, 20)["traits"], compare_text(mine, after, TRAITS, 20)["traits"]):
            below_before, below_after = b["percentile"] * 40 / 100, a["percentile"] * 41 / 100
            right += (below_after - below_before > 0.5) == (victim < probe)
            total += 1
    assert right / total < 0.85, right / total  # the old code: 1.0
    store.close()
