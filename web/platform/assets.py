"""Vendored front-end code served from this server: the app needs no network, no CDN.

Vega, Vega-Lite and vega-embed are the pinned npm builds in static/vendor/vega/ (versions, integrity and
the script that re-fetches them: versions.json and fetch.py there). They are served as one script,
/vendor/vega-bundle.js, the three UMD builds one after the other (each sets a global the next one reads:
``vega``, ``vegaLite``, then ``vegaEmbed``), built once into the instance folder under a name keyed by
their content, so an upgrade makes a new file and a cached old one is never served for it. The
downloaded interview report inlines the same file (web/interview/pages.py).

vega-embed's build holds Vega's CSP-safe expression interpreter (vega-embed 7 bundles ``vega-interpreter``
and uses it when given ``ast: true``, as static/js/charts.js does), so charts draw under a
Content-Security-Policy without 'unsafe-eval'. vega-embed's stylesheet is shipped separately
(static/vendor/vega-embed/) because that policy forbids the <style> element it would inject.

Until 2026-11 the bundle came from the vl-convert-python package (84 MB installed, for under 1 MB of
JavaScript); these are the same library versions it embedded (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, send_file

bp = Blueprint("assets", __name__)
_lock = threading.Lock()
VEGA_FOLDER = Path(__file__).resolve().parents[2] / "static" / "vendor" / "vega"
# A build's last line points at a source map we do not ship; a browser's developer tools would ask for it.
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")


@cache
def _joined_builds() -> tuple[str, str]:
    """The three builds joined in the manifest's order, and a short digest of the result (its file name)."""
    manifest = json.loads((VEGA_FOLDER / "versions.json").read_text(encoding="utf-8"))
    parts = [_SOURCE_MAP.sub("\n", (VEGA_FOLDER / p["file"]).read_text(encoding="utf-8"))
             for p in manifest["packages"]]
    text = ";\n".join(parts)  # a build that ends without ';' cannot run into the next one's opening '!'
    return text, hashlib.sha256(text.encode()).hexdigest()[:16]


def vega_bundle_path(instance_path: str) -> Path:
    text, digest = _joined_builds()
    path = Path(instance_path) / f"vega-bundle-{digest}.js"
    if path.exists():
        return path
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)  # atomic: another worker never reads half a file
    return path


@bp.get("/vendor/vega-bundle.js")
def vega_bundle():
    return send_file(vega_bundle_path(current_app.instance_path), mimetype="text/javascript", max_age=86400)
