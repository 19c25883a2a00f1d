"""Every page, filled with real results, at a phone's size (390x844) and a laptop's (1280x900), in real
Chromium: nothing is wider than the screen, and axe-core finds no critical or serious accessibility
violation. The pages and their results come from tests/gallery.py (the same as `make screenshots`).

One site is built for the module (results of every kind take a while to make on a busy machine)."""

from __future__ import annotations

import os

import pytest

from browser import chromium_page, live_server
from gallery import SIZES, axe_path, axe_violations, fake_devices, open_page, overflow, populate

pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory, shared_loaders, chromium):
    from library.video.model import DEFAULT_PATH
    from conftest import make_test_app

    if not DEFAULT_PATH.exists():
        pytest.skip(f"no trained expression model at {DEFAULT_PATH}: the video pages cannot be filled")
    tmp = tmp_path_factory.mktemp("site")
    app = make_test_app(tmp, shared_loaders)
    try:
        with live_server(app) as base, chromium_page(fake_devices(tmp)) as page:
            yield page, base, populate(app, page, base, tmp)
    finally:
        app.extensions["esapr_store"].close()


def test_the_site_has_every_kind_of_page(site):
    _, _, pages = site
    names = {p.name for p in pages}
    assert {"home", "text-result", "video-result-live", "video-result-upload", "interview-report",
            "my-results", "error-404", "video-recording", "audio-recording"} <= names


# The layout must hold from 360 px up: the smallest phones and a tablet too, beside the gallery's two.
WIDTHS = {**SIZES, "small phone": (360, 740), "tablet": (768, 1024)}


@pytest.mark.parametrize("size", list(WIDTHS))
def test_no_page_is_wider_than_the_screen(site, size):
    """On a phone the text result was 474 px wide, the interview report 474, /my 548-611 (issue 16)."""
    page, base, pages = site
    too_wide = []
    for target in pages:
        open_page(page, base, target, WIDTHS[size])
        measured = overflow(page)
        if measured["scroll"] > measured["inner"]:
            too_wide.append(f"{target.name}: {measured['scroll']} px > {measured['inner']} ({measured['wide']})")
    assert too_wide == []


@pytest.mark.parametrize("size", list(SIZES))
def test_axe_finds_nothing_critical_or_serious(site, size):
    script = axe_path()
    if script is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run axe-core: `make setup-dev` installs it with npm (.ci/run installs npm)")
        pytest.skip("axe-core is not installed (make setup-dev: npm install into .venv/node; or set ESAPR_AXE)")
    source = script.read_text(encoding="utf-8")
    page, base, pages = site
    found = []
    for target in pages:
        open_page(page, base, target, SIZES[size])
        found += [f"{target.name}: {line}" for line in axe_violations(page, source)]
    assert found == []


def test_the_chart_keys_wrap_and_the_menus_have_names(site):
    """Colour keys are HTML lists under the charts (Vega's legends were cut on a phone), and each chart's
    menu button has a name; the current section is marked in the menu."""
    page, base, pages = site
    report = next(p for p in pages if p.name == "interview-report")
    open_page(page, base, report, SIZES["phone"])
    keys = page.locator("#chart-channels + .chart-key li")
    assert keys.count() >= 2 and "Combined" in keys.all_inner_texts()
    for box in keys.all():
        right = box.bounding_box()["x"] + box.bounding_box()["width"]
        assert right <= SIZES["phone"][0], "a key entry runs off the screen"
    assert page.get_attribute("#chart-channels summary", "aria-label")
    assert page.inner_text("nav a[aria-current=page]") == "Interview"


def test_stacked_tables_keep_each_label_beside_its_value_on_a_phone(site):
    """At 390 px a table's cells stack under their column names; a page's own table padding once outranked
    the room left for the name, so "Most likely" was printed over "face: happy" (interview report)."""
    page, base, pages = site
    crowded = []
    for target in pages:
        open_page(page, base, target, SIZES["phone"])
        crowded += page.evaluate("""(name) => Array.from(
            document.querySelectorAll('table.stack tbody td[data-label]:not(.long):not(:first-child)'))
            .filter(td => td.offsetWidth > 0)
            .filter(td => parseFloat(getComputedStyle(td).paddingLeft) < 0.3 * td.offsetWidth)
            .map(td => name + ': ' + td.dataset.label)""", target.name)
    assert crowded == []
