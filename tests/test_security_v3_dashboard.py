"""Security v3: a worker reads everyone's figures while it warms up, so its first dashboard does not (it read every
earlier row on the first request: 6-7 s at 40,000 rows on the attacked machine, 2.2 s here)."""

from __future__ import annotations

from conftest import make_test_app
from sample_texts import ESSAY
from test_dashboard_cost import _seed


def test_the_first_dashboard_of_a_warmed_worker_reads_no_earlier_rows(tmp_path, shared_loaders, monkeypatch):
    from library.history.figures import FiguresCache
    from web.platform.serve import warm_figures

    app = make_test_app(tmp_path, shared_loaders)
    store = app.extensions["esapr_store"]
    _seed(store, 3000)
    client = app.test_client()
    analysis_id = client.post("/api/v1/text", data={"text": ESSAY}).get_json()["id"]
    app.extensions["esapr_figures"] = FiguresCache(store.engine)  # a fresh worker's empty cache
    warm_figures(app)  # what the worker's warm-up thread does after its models
    read = []
    original = FiguresCache._read
    monkeypatch.setattr(FiguresCache, "_read", lambda self, channel, which: read.append(channel)
                        or original(self, channel, which))
    page = client.get(f"/text/result/{analysis_id}")
    assert page.status_code == 200 and "3,000 earlier" in page.get_data(as_text=True).replace("3000", "3,000")
    assert read == []  # nothing new since the warm-up: no row read
    store.close()
