"""The JSON face of web/privacy/pages.py: a client's own results by its ``X-ESAPR-Token``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from library.errors import InputError
from library.stored_kinds import KINDS
from library.history.export import to_csv
from library.history.owners import delete_owned, export_owned, looks_like_token, owned_analyses, owner_of
from web.platform.extensions import store
from web.platform.owner import HEADER

bp = Blueprint("privacy_api", __name__, url_prefix="/api/v1/me")


class MissingToken(InputError):
    status = 401


def _owner() -> str:
    token = request.headers.get(HEADER, "")
    if not looks_like_token(token):
        raise MissingToken(f"Send your private token in the {HEADER} header (the API gave it to you in that "
                           "header with your first analysis).")
    return owner_of(token)


@bp.get("")
def list_mine():
    return jsonify(analyses=[a.to_dict() for a in owned_analyses(store(), _owner())])


@bp.get("/export")
def export_mine():
    return jsonify(export_owned(store(), _owner()))


@bp.get("/history/<channel>.csv")
def history_csv(channel: str):
    """The client's own analyses of one channel, one row each (the public CSV holds aggregates only)."""
    owner = _owner()
    if channel not in KINDS:
        abort(404, f"Unknown channel {channel!r}; one of {', '.join(KINDS)}.")
    return Response(to_csv(owned_analyses(store(), owner, channel)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="esapr-my-{channel}.csv"'})


@bp.delete("")
def delete_mine():
    return jsonify(deleted=delete_owned(store(), _owner()))


@bp.delete("/analyses/<analysis_id>")
def delete_one(analysis_id: str):
    deleted = delete_owned(store(), _owner(), analysis_id)
    if not deleted:
        return jsonify(error="You have no analysis with this id."), 404
    return jsonify(deleted=deleted)
