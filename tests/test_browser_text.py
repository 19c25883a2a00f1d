"""A person pastes an essay in real Chromium and sees the dashboard with its charts drawn."""

from __future__ import annotations

import pytest

from browser import chromium_page, live_server, screenshot_dir
from sample_texts import ESSAY, GLOOMY


pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium


def test_paste_essay_and_see_dashboard(app, tmp_path):
    shots = screenshot_dir(tmp_path)
    with live_server(app) as base, chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # An earlier user, so the comparison has someone to compare with.
        app.test_client().post("/api/v1/text", data={"text": GLOOMY * 2})

        page.goto(f"{base}/text/")
        page.fill("#text", "too short")
        page.click("#submit")
        page.wait_for_selector("#form-error:not([hidden])")
        assert "at least 50" in page.inner_text("#form-error")

        page.fill("#text", ESSAY)
        assert page.inner_text("#word-count") == f"{len(ESSAY.split())} words"
        page.click("#submit")
        page.wait_for_url("**/text/result/*", timeout=30_000)
        page.wait_for_selector("#chart-traits.drawn svg, #chart-traits.drawn canvas", timeout=30_000)
        page.wait_for_selector("#chart-words.drawn svg, #chart-words.drawn canvas", timeout=30_000)
        page.screenshot(path=str(shots / "text_dashboard.png"), full_page=True)

        body = page.inner_text("main")
        assert "Compared with 1 earlier user" in body
        assert "Openness" in body and "Neuroticism" in body
        # Vega drew marks for the five traits, you and the earlier mean.
        assert page.locator("#chart-traits .mark-rect path, #chart-traits .mark-rect rect").count() >= 1
        assert errors == []


def test_the_policy_blocks_injected_script_and_the_check_notices(app):
    """The Content-Security-Policy really holds in Chromium: an inline script injected into a page does
    not run, and chromium_page's check reports the violation (so the other browser tests can trust it)."""
    with pytest.raises(AssertionError, match="Content-Security-Policy violations"):
        with live_server(app) as base, chromium_page() as page:
            page.goto(f"{base}/")
            page.evaluate("""() => {
                const s = document.createElement("script");
                s.textContent = "document.body.dataset.injected = 'ran'";
                document.body.appendChild(s);
            }""")
            page.wait_for_timeout(300)
            assert page.get_attribute("body", "data-injected") is None


def test_an_answer_lost_on_the_way_back_is_not_analysed_twice(app):
    """The server stores the analysis but its answer never arrives (the connection drops): the page
    retries with the same Idempotency-Key, gets the stored answer, and the history holds it once.
    (Text, not audio: Chromium does not show a file upload's body to an intercepting route.)"""
    attempts: list[str] = []

    def drop_the_first_answer(route):
        attempts.append(route.request.headers.get("idempotency-key", ""))
        answer = route.fetch()  # the server does the work and stores it...
        if len(attempts) == 1:
            route.abort("connectionreset")  # ...but the page never hears back
        else:
            route.fulfill(response=answer)

    with live_server(app) as base, chromium_page() as page:
        page.route("**/api/v1/text", drop_the_first_answer)
        page.goto(f"{base}/text/")
        page.fill("#text", ESSAY)
        page.click("#submit")
        page.wait_for_url("**/text/result/*", timeout=30_000)
    assert len(attempts) == 2 and attempts[0] and attempts[0] == attempts[1]
    assert app.extensions["esapr_store"].count("text") == 1
