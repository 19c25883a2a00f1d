"""Vendored front-end code served from this server: the app needs no network, no CDN.

The Vega, Vega-Lite and Vega-Embed bundle comes from the installed
``vl-convert-python`` package (it embeds them); it is built once and cached in
the instance folder, keyed by the package version so an upgrade rebuilds it.

It already holds Vega's CSP-safe expression interpreter (vega-embed 7 bundles
``vega-interpreter`` and uses it when given ``ast: true``, as static/js/charts.js does), so
charts draw under a Content-Security-Policy without 'unsafe-eval' and nothing is vendored
for it. vega-embed's stylesheet is the one piece shipped separately (static/vendor/vega-embed/).
"""

from __future__ import annotations

import os
import threading
from importlib.metadata import version
from pathlib import Path

from flask import Blueprint, current_app, send_file

bp = Blueprint("assets", __name__)
_lock = threading.Lock()


def vega_bundle_path(instance_path: str) -> Path:
    path = Path(instance_path) / f"vega-bundle-{version('vl-convert-python')}.js"
    if path.exists():
        return path
    with _lock:
        if not path.exists():
            import vl_convert

            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
            tmp.replace(path)  # atomic: another worker never reads half a file
    return path


@bp.get("/vendor/vega-bundle.js")
def vega_bundle():
    response = send_file(vega_bundle_path(current_app.instance_path), mimetype="text/javascript", max_age=86400)
    return response
