"""What makes ESAPR installable on a phone's home screen: the web app manifest, the service worker and the
page it shows offline (and, under ``serve --https``, the local authority's certificate for the phone to trust).

The service worker caches the app shell only: the offline page, the style sheets, the scripts of the pages and
the icons, listed here (``SHELL``) and fetched once when it installs. Nothing else ever enters its cache: not a
page, not a result, not a report, not /api or /my, whatever the response's own caching headers say, so one
person's figures can never be served from it to anyone (a shared phone's browser included). Pages always come
from the network; with no network the offline page says so. The cache's name holds a digest of the shell's
files, so a new version of any of them installs a new worker and drops the old cache.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_file, url_for

bp = Blueprint("install", __name__)

# Static files of the shell (under static/): what a page needs to look right and to say it is offline.
SHELL_STATIC = ("css/style.css", "css/interview.css", "js/install.js", "js/show_error.js", "js/send_once.js",
                "img/favicon.svg", "img/icon-192.png", "img/icon-512.png", "img/icon-maskable-512.png")
ICONS = (("img/icon-192.png", "192x192", "any"), ("img/icon-512.png", "512x512", "any"),
         ("img/icon-maskable-512.png", "512x512", "maskable"))
THEME = "#3565c9"  # --accent in style.css
BACKGROUND = "#f6f7fa"  # --bg


def shell_urls() -> list[str]:
    return [url_for("install.offline")] + [url_for("static", filename=f) for f in SHELL_STATIC]


@cache
def _digest(static_folder: str) -> str:
    """A digest of the shell's files and of the worker itself: the cache's version (read once per process)."""
    h = hashlib.sha256()
    for name in SHELL_STATIC:
        h.update((Path(static_folder) / name).read_bytes())
    h.update((Path(static_folder) / "js" / "service_worker.js").read_bytes())
    return h.hexdigest()[:12]


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": "ESAPR · Emotional State Analyser",
        "short_name": "ESAPR",
        "description": "What your face, your voice and your words show, with how far each can be trusted.",
        "id": "/",
        "start_url": url_for("pages.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": BACKGROUND,
        "lang": "en",
        "icons": [{"src": url_for("static", filename=f), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for f, sizes, purpose in ICONS],
    }
    return Response(current_app.json.dumps(body), mimetype="application/manifest+json")


@bp.get("/sw.js")
def service_worker():
    """The worker, from the site's root so that its scope is the whole site; its shell list and version come
    first, as data, then static/js/service_worker.js."""
    static = current_app.static_folder
    head = (f"var ESAPR_SHELL = {current_app.json.dumps(shell_urls())};\n"
            f"var ESAPR_OFFLINE = {current_app.json.dumps(url_for('install.offline'))};\n"
            f"var ESAPR_CACHE = {current_app.json.dumps('esapr-shell-' + _digest(static))};\n")
    code = (Path(static) / "js" / "service_worker.js").read_text(encoding="utf-8")
    response = Response(head + code, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    return render_template("pages/offline.html")


@bp.get("/local-ca.crt")
def local_authority():
    """The certificate a phone installs to trust ``serve --https`` (public: the key stays on the server).
    Only while serving that way; 404 otherwise."""
    path = os.environ.get("ESAPR_LOCAL_CA_CERT")
    if not path or not Path(path).is_file():
        abort(404, "This server is not serving with its own local certificate (python main.py serve --https).")
    return send_file(path, mimetype="application/x-x509-ca-cert", as_attachment=True,
                     download_name="esapr-local-ca.crt")
