"""Answer only to our own host names (#15): a foreign ``Host`` header gets 400.

DNS rebinding: a page on evil.example re-points its own name at 127.0.0.1 and then talks to a
local install as a same-origin page (its Origin matches its Host, so the cross-site check in
web/platform/security.py passes). Refusing hosts that are not ours stops that. The list is
``ALLOWED_HOSTS`` (env ``ESAPR_TRUSTED_HOSTS``); behind a proxy the host is the forwarded one
(``TRUSTED_PROXIES``), i.e. the public name people type.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, request

ANY = "*"


def init_app(app: Flask) -> None:
    app.before_request(check_host)


def host_name(host: str) -> str:
    """``host[:port]`` without the port, lower case; IPv6 literals keep their brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.partition(":")[0]


def is_allowed(host: str, allowed: list[str]) -> bool:
    name = host_name(host)
    if not name:
        return False
    for entry in allowed:
        entry = entry.strip().lower()
        if entry == ANY or name == host_name(entry):
            return True
        if entry.startswith(".") and (name.endswith(entry) or name == entry[1:]):
            return True
    return False


def check_host() -> None:
    if not is_allowed(request.host, current_app.config["ALLOWED_HOSTS"]):
        abort(400, "This server does not answer to that host name. If it is yours, add it to "
                   "ESAPR_TRUSTED_HOSTS.")
