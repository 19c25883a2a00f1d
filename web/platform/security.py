"""Web hardening (#6): CSRF on form posts, no cross-site writes, security headers, proxies, rate limits.

``init_app(app)`` wires it all; create_app calls it once the blueprints are registered.

- Only our own host names are answered (web/platform/hosts.py, ``ALLOWED_HOSTS``): DNS rebinding.
- HTML forms carry Flask-WTF's CSRF token (``csrf_token`` field, or the ``X-CSRFToken`` header
  from ``<meta name="csrf-token">`` for scripts). The JSON API under /api/ is exempt - its
  clients are programs, not pages holding a form - but no browser may write to anything from
  another site: an unsafe request whose ``Sec-Fetch-Site`` says cross-site, or whose ``Origin``
  names another host, is refused with 403 before any work or counting is done.
- Every response gets a Content-Security-Policy without inline script or eval (charts use
  Vega's expression interpreter, see web/platform/assets.py), nosniff, no framing, no referrer (result
  pages are private links) and camera/microphone for this origin only. A route may set its own
  policy: these are defaults.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from web.platform import hosts, rate_limit

# No 'unsafe-inline' anywhere, styles included: Vega draws with SVG attributes and the CSSOM, and the
# <style> elements vega-embed and its tooltips would inject are turned off (static/js/charts.js) and
# shipped as a file instead (static/vendor/vega-embed/vega-embed.css). img-src data:/blob: for
# Vega's images and the charts' "Save as PNG"; media-src blob: for recordings played back.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",  # result and report URLs are private links
    "Permissions-Policy": "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_MESSAGE = ("This form could not be accepted: it has expired or did not come from this site's own page. "
                "Go back, reload the page and send it again.")

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    config = app.config
    if config.get("TRUSTED_PROXIES"):
        hops = int(config["TRUSTED_PROXIES"])
        # The client's address (rate limits), scheme (secure cookies) and host (the Origin check)
        # as the proxies saw them; only that many hops are believed, so a client cannot forge them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    # Tests post forms without tokens; tests/test_security.py and the browser tests turn it on.
    config.setdefault("WTF_CSRF_ENABLED", not app.testing)
    # Checked in _refuse_cross_site_and_check_csrf below, after the cross-site check.
    config["WTF_CSRF_CHECK_DEFAULT"] = False
    # Flask-WTF's HTTPS check wants a same-origin Referer, which Referrer-Policy: no-referrer never
    # sends; the Sec-Fetch-Site/Origin check below does that job instead.
    config.setdefault("WTF_CSRF_SSL_STRICT", False)
    # A page may stay open as long as an interview lasts before its form is sent.
    config.setdefault("WTF_CSRF_TIME_LIMIT", max(3600, int(config.get("INTERVIEW_EXPIRY_S") or 0)))
    csrf.init_app(app)

    rate_limit.init_app(app)
    hosts.init_app(app)  # before anything else: a foreign Host is answered 400 and nothing more
    app.before_request(_refuse_cross_site_and_check_csrf)
    app.before_request(rate_limit.check)
    app.after_request(_add_security_headers)


def is_cross_site(req) -> bool:
    """True when a browser says the request comes from another site.

    ``Origin: null`` says nothing either way: with ``Referrer-Policy: no-referrer`` browsers send
    it on this site's own form posts. Sec-Fetch-Site (every current browser sends it) still tells
    a cross-site one, and without it the SameSite=Lax cookie stays home on a cross-site POST.
    """
    if req.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = req.headers.get("Origin")
    if origin is None or origin.strip().lower() == "null":
        return False
    return _origin_host(origin) != _normal_host(req.host, req.scheme)


def _origin_host(origin: str) -> str | None:
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None  # not an origin at all: matches no host
    return _normal_host(parts.netloc, parts.scheme)


def _normal_host(host: str, scheme: str) -> str:
    """``host[:port]`` in lower case, without the scheme's default port."""
    host = host.lower()
    default_port = {"http": ":80", "https": ":443"}.get(scheme.lower())
    return host[: -len(default_port)] if default_port and host.endswith(default_port) else host


def _refuse_cross_site_and_check_csrf() -> None:
    if request.method not in UNSAFE_METHODS:
        return
    if is_cross_site(request):
        abort(403, "Requests from other websites are refused: use this site's own pages, or call the API "
                   "from a program rather than from a web page on another site.")
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return
    if request.path.startswith("/api/"):
        return  # by path, not by blueprint: an API blueprint added later is exempt too
    try:
        csrf.protect(apply_exemptions=True)  # also skips unknown routes (404) and views marked csrf.exempt
    except CSRFError as exc:
        current_app.logger.info("CSRF check failed on %s %s: %s", request.method, request.path, exc.description)
        exc.description = CSRF_MESSAGE  # Flask-WTF's own wording ("The CSRF token is missing.") is jargon
        raise


# Sent only over HTTPS (RFC 6797 says to ignore it on plain HTTP): from then on the browser
# refuses plain HTTP to this host for a year.
HSTS = "max-age=31536000"


def pins_https(host: str) -> bool:
    """Whether HSTS may be sent to this host name. Not to a loopback name or an IP literal: HSTS holds for
    the host on every port, so one visit to https://localhost:<port> (the local certificate) would have the
    browser force HTTPS on every plain http://localhost app for a year; and browsers ignore it on IP literals
    (RFC 6797 8.1), so there it is only noise."""
    name = hosts.host_name(host).strip("[]").rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
        return False
    try:
        ipaddress.ip_address(name.partition("%")[0])  # an IPv6 zone id (fe80::1%eth0) is still a literal
    except ValueError:
        return True
    return False


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # behind a proxy, ESAPR_TRUSTED_PROXIES makes X-Forwarded-Proto (and the forwarded host) count
    if request.is_secure and pins_https(request.host):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
