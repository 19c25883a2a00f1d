"""A person finds their results under "My results", opens the private link elsewhere, exports and deletes."""

from __future__ import annotations

import json

import pytest

from browser import chromium_page, live_server, screenshot_dir
from sample_texts import ESSAY


pytestmark = pytest.mark.usefixtures("chromium")  # skips the module, saying why, without Chromium


def test_my_results_export_and_delete(app, tmp_path):
    shots = screenshot_dir(tmp_path)
    with live_server(app) as base, chromium_page() as page:
        page.goto(f"{base}/text/")
        page.fill("#text", ESSAY)
        page.click("#submit")
        page.wait_for_url("**/text/result/*", timeout=30_000)
        result_url = page.url

        page.click("text=My results")
        page.wait_for_url("**/my/*")
        private_link = page.inner_text("#private-link")
        assert private_link == page.url
        assert page.locator("#my-results tbody tr").count() == 1
        page.screenshot(path=str(shots / "my_results.png"), full_page=True)

        with page.expect_download() as download:
            page.click("text=Export everything (JSON)")
        exported = json.loads(download.value.path().read_text())
        assert exported["analyses"][0]["scores"]["word_count"] == len(ESSAY.split())

        # Each row says what it is, and deleting asks first: the first button only opens the question.
        row = page.inner_text("#my-results tbody tr")
        assert "Text" in row and f"{len(ESSAY.split())} words" in row
        assert not page.is_visible("#delete-all")
        page.click("#delete-all-ask")
        assert "Delete all 1 result" in page.inner_text("#delete-all-box")
        assert page.locator("#my-results tbody tr").count() == 1  # nothing gone yet
        page.click("#delete-all")  # a real form post, with its CSRF token
        page.wait_for_selector("text=Deleted 1 result")
        assert page.locator("#my-results").count() == 0
        assert page.goto(result_url).status == 404
