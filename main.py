"""ESAPR: the Flask application factory and the command line.

    python main.py            # same as `python main.py serve`
    python main.py serve [--host 127.0.0.1] [--port 5000] [--workers N] [--threads N]   # gunicorn
    python main.py serve --dev [--debug]      # Flask's development server, one process
    python main.py purge                      # delete rows past the retention period now
    python main.py analyze FILE... [--json]   # videos, recordings, PDFs, text files; nothing is stored
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from flask import Flask

from library.history import HistoryStore
from library.history.figures import FiguresCache
from web import (api, assets, audio, audio_api, caching, idempotency, interview, interview_api, log_redaction,
                 openapi, pages, privacy, privacy_api, retention, text, video, video_api)
from web.config import build_config
from web.errors import register_error_handlers
from web.json_body import BoundedJSONProvider
from web.models import ModelRegistry, default_loaders
from web.owner import tell_api_client
from web import capacity, security

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
    app.json = BoundedJSONProvider(app)  # a JSON body nested too deeply is a 400, not a RecursionError
    app.json.sort_keys = False  # keep TRAITS and EMOTIONS in their documented order

    log_redaction.install(app)  # first: nothing logged from here on carries a token or a session id
    store = app.extensions["esapr_store"] = HistoryStore(app.config["DATABASE_URL"])
    app.extensions["esapr_figures"] = FiguresCache(store.engine)  # dashboards' comparisons (#15)
    if not app.config.get("SECRET_KEY"):
        # Kept in the database so that workers on every machine sign and read cookies alike.
        app.config["SECRET_KEY"] = store.shared_setting("secret_key", lambda: secrets.token_hex(32))
    app.extensions["esapr_models"] = ModelRegistry(app.config.get("MODEL_LOADERS") or default_loaders())

    for blueprint in (pages.bp, assets.bp, text.bp, api.bp, video.bp, video_api.bp, audio.bp, audio_api.bp,
                      interview.bp, interview_api.bp, openapi.bp, privacy.bp, privacy_api.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    security.init_app(app)  # allowed hosts, CSRF, cross-site refusal, security headers, proxies, rate limits
    idempotency.init_app(app)  # after security: cross-site refusal and rate limits come first
    capacity.init_app(app)  # after idempotency: a replayed answer takes no analysis slot
    app.after_request(tell_api_client)
    caching.init_app(app)  # no-store on everything but the public pages
    retention.init_app(app)
    return app


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="ESAPR emotional state analyser")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="start the web app (default)")
    serve.add_argument("--host", default=os.environ.get("ESAPR_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("ESAPR_PORT", "5000")))
    serve.add_argument("--dev", action="store_true", help="Flask's development server instead of gunicorn")
    serve.add_argument("--debug", action="store_true", help="Flask debug mode (with --dev only)")
    serve.add_argument("--workers", type=int, help="gunicorn worker processes (default ESAPR_WORKERS or the cores)")
    serve.add_argument("--threads", type=int, help="threads per worker (default ESAPR_THREADS, else the "
                       "analyses running and waiting, plus 2: 36)")
    commands.add_parser("purge", help="delete stored rows past the retention period now")
    analyze = commands.add_parser("analyze", help="analyse videos, voice recordings, PDFs and text files")
    analyze.add_argument("files", nargs="+", metavar="FILE", type=Path)
    analyze.add_argument("--json", action="store_true", help="print JSON (one object per file) instead of a table")
    return parser.parse_args(argv)


def analyze(files: list[Path], as_json: bool) -> int:
    """Analyse each file with the engine (no app, nothing stored); 1 if any file failed."""
    import json

    from tqdm import tqdm

    from library.batch import Engines, analyse_file, format_table

    engines, rows = Engines(), []
    # The bar goes to stderr so that stdout stays the table or the JSON, fit for a pipe.
    for path in tqdm(files, desc="Analysing", unit="file", file=sys.stderr):
        rows.append(analyse_file(path, engines))
    print(json.dumps(rows, ensure_ascii=False, indent=2) if as_json else format_table(rows))
    failed = [row for row in rows if not row["ok"]]
    for row in failed:
        print(f"main.py analyze: {row['file']}: {row['error']}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "analyze":
        return analyze(args.files, args.json)
    if args.command == "purge":
        print(retention.purge_now(create_app()))
        return 0
    if args.command is None:
        args = _parse_args(["serve"])
    if args.debug and not args.dev:
        print("main.py serve: --debug needs --dev (the debugger must never face the network)", file=sys.stderr)
        return 2
    if args.dev:
        create_app().run(host=args.host, port=args.port, debug=args.debug, threaded=True)
    else:
        from web.serve import run_production

        run_production(create_app, args.host, args.port, args.workers, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
