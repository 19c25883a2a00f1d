"""The charts' JavaScript is the pinned npm builds of Vega, Vega-Lite and vega-embed in static/vendor/vega/,
served by the app itself as one script (no CDN, no network), and it draws under the pages' CSP."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from main import PROJECT_ROOT
from web.platform.assets import VEGA_FOLDER

MANIFEST = json.loads((VEGA_FOLDER / "versions.json").read_text(encoding="utf-8"))
PINNED = {p["name"]: p["version"] for p in MANIFEST["packages"]}


@pytest.mark.parametrize("package", MANIFEST["packages"], ids=lambda p: p["name"])
def test_each_vendored_build_is_the_pinned_one(package):
    data = (VEGA_FOLDER / package["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == package["sha256"], "edited or re-fetched without updating versions.json"
    assert re.search(rf"""=["']{re.escape(package['version'])}["']""", data.decode()), "the build names another version"
    assert (VEGA_FOLDER / f"LICENSE-{package['name']}").read_text().startswith("Copyright")


def test_the_bundle_is_served_locally_and_joins_the_three_builds(client, app):
    response = client.get("/vendor/vega-bundle.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    builds = [(VEGA_FOLDER / p["file"]).read_text(encoding="utf-8") for p in MANIFEST["packages"]]
    starts = [body.index(build[:200]) for build in builds]
    assert starts == sorted(starts) and starts[0] == 0  # vega, vega-lite, then vega-embed, which reads both
    assert "sourceMappingURL" not in body  # the maps are not shipped
    cached = list(Path(app.instance_path).glob("vega-bundle-*.js"))  # built once, named by its content
    assert len(cached) == 1 and cached[0].read_text(encoding="utf-8") == body


def test_the_vendored_vega_embed_styles_match_the_build():
    """static/vendor/vega-embed/vega-embed.css is vega-embed's and vega-tooltip's CSS, copied from the build
    (the pages' policy forbids the <style> element vega-embed would inject): copy them again on an upgrade."""
    build = (VEGA_FOLDER / "vega-embed.min.js").read_text(encoding="utf-8")
    vendored = (PROJECT_ROOT / "static/vendor/vega-embed/vega-embed.css").read_text(encoding="utf-8")
    sections = re.split(r"\n/\* vega-(?:embed|tooltip) \*/\n", vendored)[1:]
    assert len(sections) == 2
    for css in sections:
        assert css.strip() and css.replace("\n", "\\n") in build


def test_the_bundle_draws_a_chart_under_the_pages_policy(app, chromium):
    """In Chromium, on one of the app's pages (its Content-Security-Policy: no 'unsafe-eval'), the served
    bundle exposes the pinned versions and vega-embed draws an app chart with the expression interpreter."""
    from browser import chromium_page, live_server
    from web.charts import trait_chart

    spec = trait_chart([{"trait": t, "probability": p, "earlier_mean": 0.5}
                        for t, p in (("openness", 0.8), ("neuroticism", 0.3))])
    with live_server(app) as base, chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/about")
        page.add_script_tag(url=f"{base}/vendor/vega-bundle.js")
        versions = page.evaluate("[vega.version, vegaLite.version, vegaEmbed.version]")
        assert versions == [PINNED["vega"], PINNED["vega-lite"], PINNED["vega-embed"]]
        marks = page.evaluate("""async (spec) => {
            const el = document.createElement('div'); el.style.width = '500px'; document.body.appendChild(el);
            // as static/js/charts.js: no injected <style> (the policy forbids it), expressions interpreted
            await vegaEmbed(el, spec, {ast: true, renderer: 'svg', actions: false, defaultStyle: false,
                                       tooltip: {disableDefaultStyle: true}});
            return el.querySelectorAll('.mark-rect path').length; }""", spec)
        assert marks == 4  # two traits, you and the earlier mean
        assert errors == []
