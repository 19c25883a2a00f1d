"""Per-app objects (history store, model registry), reached through ``current_app``."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, has_request_context

from library.history import HistoryStore
from library.history.disclosure import Disclosure
from library.history.figures import Earlier, FiguresCache
from library.limits import Limits
from library.text.spoken import spoken_words_reader as read_words
from web.platform.models import ModelRegistry


def store() -> HistoryStore:
    """The history store; inside a request, rows it adds belong to the requester (web/platform/owner.py)."""
    shared: HistoryStore = current_app.extensions["esapr_store"]
    if not has_request_context():
        return shared
    from web.platform.owner import request_owner

    return shared.for_owner(request_owner())


def owned_or_404(channel: str, analysis_id: str, what: str):
    """The requester's stored analysis of ``channel``, or a 404 that says the same for someone else's as for none."""
    stored = store().get_owned(analysis_id, channel=channel)
    if stored is None:
        abort(404, f"You have no {what} with this id.")
    return stored


def models() -> ModelRegistry:
    return current_app.extensions["esapr_models"]


def earlier(channel: str, seq: int | None = None) -> Earlier:
    """Everyone's figures of a channel stored before ``seq`` (None: all), from this process's cache, published
    under this app's rule (a minimum of people, noise keyed by a hash of the secret key)."""
    cache: FiguresCache = current_app.extensions["esapr_figures"]
    config = current_app.config
    secret = hashlib.sha256(b"esapr public figures\x00" + str(config["SECRET_KEY"]).encode()).digest()
    rule = Disclosure(config["PUBLIC_FIGURES_MIN_PEOPLE"], config["PUBLIC_FIGURES_EPSILON"], secret)
    return cache.channel(channel).before(seq, rule)


def min_users_for_words() -> int:
    return current_app.config["PUBLIC_WORDS_MIN_USERS"]


def spoken_words_reader(config):
    """text -> SpokenWords with the app's text models (loaded on first use), for transcripts."""
    return read_words(models(), config["TEXT_MIN_WORDS"])


def limits() -> Limits:
    """The limits every upload is read under (library/limits.py), from this app's configuration as it is now."""
    return Limits.from_config(current_app.config)
