"""ESAPR: the Flask application factory and the command line.

    python main.py            # same as `python main.py serve`
    python main.py serve [--host 127.0.0.1] [--port 5000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask

from library.history import HistoryStore
from web import api, assets, pages, text, video, video_api
from web.config import build_config
from web.errors import register_error_handlers
from web.models import ModelRegistry, default_loaders

PROJECT_ROOT = Path(__file__).resolve().parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides defaults and environment (tests pass theirs)."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("ESAPR_INSTANCE_PATH") or PROJECT_ROOT / "instance"
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        static_folder=str(PROJECT_ROOT / "static"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.update(build_config(Path(app.instance_path), config))
    app.json.sort_keys = False  # keep TRAITS and EMOTIONS in their documented order

    app.extensions["esapr_store"] = HistoryStore(app.config["DATABASE_URL"])
    app.extensions["esapr_models"] = ModelRegistry(app.config.get("MODEL_LOADERS") or default_loaders())

    for blueprint in (pages.bp, assets.bp, text.bp, api.bp, video.bp, video_api.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="ESAPR emotional state analyser")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="start the web app (default)")
    serve.add_argument("--host", default=os.environ.get("ESAPR_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("ESAPR_PORT", "5000")))
    serve.add_argument("--debug", action="store_true", help="Flask debug mode (development only)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.command in (None, "serve"):
        app = create_app()
        host = getattr(args, "host", "127.0.0.1")
        port = getattr(args, "port", 5000)
        app.run(host=host, port=port, debug=getattr(args, "debug", False), threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
