"""The keyboard in real Chromium: the first Tab on every page reaches a visible "Skip to content" link that
lands on what the page is for, focus is drawn as a thick ring, and an interview step's answer comes before
"Skip this step" in the Tab order (it took 10 Tabs to reach the text box, with "Skip this step" first)."""

from __future__ import annotations

import pytest

from browser import chromium_page, live_server

pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium

FOCUSED = """() => { const el = document.activeElement; const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').trim(),
            inMain: !!el.closest('main'), visible: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
                && r.bottom <= window.innerHeight, outline: parseFloat(style.outlineWidth) || 0,
            outlineStyle: style.outlineStyle}; }"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_loaders, chromium):
    from conftest import make_test_app

    app = make_test_app(tmp_path_factory.mktemp("keys"), shared_loaders)
    try:
        with live_server(app) as base, chromium_page() as page:
            yield app, base, page
    finally:
        app.extensions["esapr_store"].close()


def _started_interview(page, base: str) -> str:
    page.goto(f"{base}/interview/")
    if page.locator("#begin").count():  # else this browser's interview continues (an earlier test began it)
        page.check("#consent-box")
        page.click("#begin")
        page.wait_for_url("**/interview/*/video")
    return page.url.rstrip("/").split("/")[-2]


@pytest.mark.parametrize("width", [390, 1280])
def test_the_first_tab_on_every_page_reaches_skip_to_content(site, width):
    app, base, page = site
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    session_id = _started_interview(page, base)
    paths = ["/", "/about", "/text/", "/video/", "/audio/", "/my/", "/text/result/no-such-result",
             f"/interview/{session_id}/video", f"/interview/{session_id}/audio", f"/interview/{session_id}/text"]
    missing = []
    for path in paths:
        page.goto(base + path)
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUSED)
        if first["text"].lower() != "skip to content" or not first["visible"]:
            missing.append(f"{path}: first Tab on {first}")
            continue
        assert first["outline"] >= 3 and first["outlineStyle"] != "none", f"{path}: thin focus ring {first}"
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after = page.evaluate(FOCUSED)
        if not after["inMain"]:
            missing.append(f"{path}: after the skip link, Tab went to {after}")
    assert missing == []


def test_an_interview_step_tabs_to_the_answer_before_skip(site):
    app, base, page = site
    page.set_viewport_size({"width": 1280, "height": 900})
    session_id = _started_interview(page, base)
    page.goto(f"{base}/interview/{session_id}/text")
    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        order.append(focused["id"] or focused["text"][:30])
        if focused["id"] == "skip":
            break
    assert order[0] == "Skip to content"
    page.goto(f"{base}/interview/{session_id}/text")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["id"] == "text", "after the skip link, the text box is the next stop"
    assert order.index("text") < order.index("submit") < order.index("skip")


def test_buttons_show_a_thick_focus_ring(site):
    app, base, page = site
    page.goto(f"{base}/text/")
    page.focus("#submit")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard: :focus-visible
    ring = page.evaluate(FOCUSED)
    assert ring["id"] == "submit" and ring["outline"] >= 3


def test_skipping_an_answered_step_opens_a_box_first(site):
    """The skip on an answered step threw the answer away at once; now its button only opens a box that says
    the answer's result will be deleted, and the real button is inside it."""
    from sample_texts import ESSAY

    app, base, page = site
    page.set_viewport_size({"width": 390, "height": 844})
    session_id = _started_interview(page, base)
    page.goto(f"{base}/interview/{session_id}/text")
    page.fill("#text", ESSAY)
    page.click("#submit")
    page.wait_for_url(lambda url: not url.endswith("/text"), timeout=60_000)
    answer = app.test_client().get(f"/api/v1/interview/{session_id}", headers={"X-ESAPR-Token": _token(app, page)})
    text_id = answer.get_json()["steps"]["text"]
    page.goto(f"{base}/interview/{session_id}/text")
    assert not page.is_visible("#skip")  # the real button waits in the closed box
    page.click("#skip-ask")
    assert "deleted" in page.inner_text("#skip-confirm") and page.is_visible("#skip")
    page.click("#skip")
    page.wait_for_url(lambda url: not url.endswith("/text"))
    assert app.extensions["esapr_store"].get(text_id) is None


def _token(app, page) -> str:
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "session")
    return app.session_interface.get_signing_serializer(app).loads(cookie)["privacy_token"]
