"""ESAPR: the Flask application factory and the command line.

    python main.py            # same as `python main.py serve`
    python main.py serve [--host 127.0.0.1] [--port 5000] [--workers N] [--threads N]   # gunicorn
    python main.py serve --dev [--debug]      # Flask's development server, one process
    python main.py serve --https [--port 5000]   # on the local network, with a local certificate (phones)
    python main.py purge                      # delete rows past the retention period now
    python main.py analyze FILE|FOLDER... [--json]   # videos, recordings, PDFs, text files; nothing is stored
    python main.py analyze FOLDER --manifest CSV --engine ray --out DIR [--address HOST:PORT] [--store]
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
from library.stored_kinds import STORED_KINDS
from web import openapi, wording
from web.audio import api as audio_api
from web.audio import pages as audio
from web.home import install, pages
from web.interview import api as interview_api
from web.interview import pages as interview
from web.platform import assets, caching, capacity, idempotency, log_redaction, owner, retention, security
from web.privacy import api as privacy_api
from web.privacy import pages as privacy
from web.text import api
from web.text import pages as text
from web.video import api as video_api
from web.video import pages as video
from web.platform.config import build_config
from web.platform.errors import register_error_handlers
from web.platform.json_body import BoundedJSONProvider
from web.platform.models import ModelRegistry, default_loaders

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
    store = app.extensions["esapr_store"] = HistoryStore(app.config["DATABASE_URL"], STORED_KINDS)
    app.extensions["esapr_figures"] = FiguresCache(store.engine)  # dashboards' comparisons (#15)
    if not app.config.get("SECRET_KEY"):
        # Kept in the database so that workers on every machine sign and read cookies alike.
        app.config["SECRET_KEY"] = store.shared_setting("secret_key", lambda: secrets.token_hex(32))
    app.extensions["esapr_models"] = ModelRegistry(app.config.get("MODEL_LOADERS") or default_loaders())

    for blueprint in (pages.bp, install.bp, assets.bp, text.bp, api.bp, video.bp, video_api.bp, audio.bp,
                      audio_api.bp, interview.bp, interview_api.bp, openapi.bp, privacy.bp, privacy_api.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    wording.install(app)  # the channels' names in the templates, from the registry
    security.init_app(app)  # allowed hosts, CSRF, cross-site refusal, security headers, proxies, rate limits
    owner.init_app(app)  # after security, before idempotency: a POST gets its token before anything reads it
    idempotency.init_app(app)  # after security: cross-site refusal and rate limits come first
    capacity.init_app(app)  # after idempotency: a replayed answer takes no analysis slot
    caching.init_app(app)  # no-store on everything but the public pages
    retention.init_app(app)
    return app


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="main.py", description="ESAPR emotional state analyser")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="start the web app (default)")
    serve.add_argument("--host", default=os.environ.get("ESAPR_HOST"),
                       help="where to listen (default ESAPR_HOST, else 127.0.0.1; with --https 0.0.0.0, the network)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("ESAPR_PORT", "5000")))
    serve.add_argument("--dev", action="store_true", help="Flask's development server instead of gunicorn")
    serve.add_argument("--debug", action="store_true", help="Flask debug mode (with --dev only)")
    serve.add_argument("--https", action="store_true",
                       help="serve HTTPS on the local network with a certificate made for this machine (phones: "
                       "see the README), or the one named by ESAPR_TLS_CERT and ESAPR_TLS_KEY")
    serve.add_argument("--workers", type=int, help="gunicorn worker processes (default ESAPR_WORKERS or the cores)")
    serve.add_argument("--threads", type=int, help="threads per worker (default ESAPR_THREADS, else the "
                       "analyses running and waiting, plus 2: 36)")
    commands.add_parser("purge", help="delete stored rows past the retention period now")
    analyze = commands.add_parser("analyze", help="analyse videos, voice recordings, PDFs and text files",
                                  description="Files and folders (searched recursively, by content) or manifest "
                                  "CSVs; see the README's *Batch* section and docs/deploy.md.")
    analyze.add_argument("files", nargs="*", metavar="FILE", type=Path, help="files or folders")
    analyze.add_argument("--manifest", action="append", default=[], type=Path, metavar="CSV",
                         help="a CSV with a 'path' column, optional 'id' and metadata columns (repeatable)")
    analyze.add_argument("--json", action="store_true", help="print JSON (one object per file) instead of a table")
    analyze.add_argument("--interview", nargs=3, type=Path, metavar=("VIDEO", "AUDIO", "TEXT"),
                         help="one interview's three answers ('-' for a skipped step): prints its report as JSON, "
                         "the same as the web app's")
    analyze.add_argument("--engine", choices=("local", "ray"), default="local",
                         help="local: this process (default); ray: a Ray cluster (pip install -r requirements-ray.txt)")
    analyze.add_argument("--address", help="Ray cluster to join (default RAY_ADDRESS, else a local one)")
    analyze.add_argument("--workers", type=int, help="Ray actors, each with its own models (default: the cluster's CPUs; --engine ray only)")
    analyze.add_argument("--out", type=Path, metavar="DIR",
                         help="write results.parquet and results.csv here as files finish; a rerun skips files done")
    analyze.add_argument("--store", action="store_true",
                         help="also write each file's scores to the history database (DATABASE_URL), once per file")
    return parser.parse_args(argv)


def analyze(args: argparse.Namespace) -> int:
    """Analyse files with the chosen engine; 1 if any file failed, 2 if the run could not start.

    Without --out the rows are printed (a table, or --json) on stdout; with it they go to the folder.
    The progress bar, the summary and the errors go to stderr, so stdout stays fit for a pipe."""
    import json

    from library.batch import BatchConfig, ManifestError, collect, format_table, run_batch
    from library.batch.engine_ray import RayMissing
    from library.batch.output import OutputBusy
    from library.batch.run import EngineStopped

    if args.interview:
        return analyze_interview(args.interview)
    if not args.files and not args.manifest:
        print("main.py analyze: name files, folders or --manifest CSV", file=sys.stderr)
        return 2
    store_url = _database_url() if args.store else None
    config = BatchConfig(engine=args.engine, address=args.address, workers=args.workers, out=args.out,
                         store_url=store_url)
    try:
        summary = run_batch(collect(args.files, args.manifest), config)
    except (RayMissing, ManifestError, OutputBusy) as exc:
        print(f"main.py analyze: {exc}", file=sys.stderr)
        return 2
    except EngineStopped as exc:
        print(f"main.py analyze: {exc}", file=sys.stderr)
        return 1
    if args.out is None:
        rows = [_file_result(row) for row in summary.rows]
        print(json.dumps(rows, ensure_ascii=False, indent=2) if args.json else format_table(rows))
    for row in summary.rows:
        if not row["ok"]:
            print(f"main.py analyze: {row['path']}: {row['error']}", file=sys.stderr)
    print(summary.table(), file=sys.stderr)
    if args.out is not None:
        print(f"rows: {args.out / 'results.parquet'} and {args.out / 'results.csv'}", file=sys.stderr)
    return 1 if summary.failed else 0


def analyze_interview(paths: list[Path]) -> int:
    """One interview from its three answer files: the report as JSON on stdout; 1 when it cannot be made."""
    import json

    from library.batch.interview import interview_from_files
    from library.batch.loaders import Engines
    from library.errors import InputError

    video, audio, text = (None if str(p) == "-" else p for p in paths)
    try:
        report = interview_from_files(video, audio, text, Engines())
    except InputError as exc:
        print(f"main.py analyze --interview: {exc.message}", file=sys.stderr)
        return 1
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _file_result(row: dict[str, Any]) -> dict[str, Any]:
    """A batch row as `analyze` has always printed it: file, kind, ok, and summary + scores or error."""
    import json

    from library.batch import summary

    result = {"file": row["path"], "kind": row["channel"], "ok": row["ok"]}
    if not row["ok"]:
        return {**result, "error": row["error"]}
    scores = json.loads(row["scores_json"])
    return {**result, "summary": summary(row["channel"], scores), "scores": scores}


def _database_url() -> str:
    """The web app's database: DATABASE_URL, else the SQLite file in its instance folder."""
    instance = Path(os.environ.get("ESAPR_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'esapr.sqlite3'}"


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "analyze":
        return analyze(args)
    if args.command == "purge":
        print(retention.purge_now(create_app()))
        return 0
    if args.command is None:
        args = _parse_args(["serve"])
    if args.debug and not args.dev:
        print("main.py serve: --debug needs --dev (the debugger must never face the network)", file=sys.stderr)
        return 2
    if args.host is None:
        args.host = "0.0.0.0" if args.https else "127.0.0.1"
    tls = https_setup(args.port) if args.https else None
    if args.dev:
        create_app().run(host=args.host, port=args.port, debug=args.debug, threaded=True,
                         ssl_context=(str(tls[0]), str(tls[1])) if tls else None)
    elif tls:
        from web.platform.serve import ProductionServer, options, prepare_database

        prepare_database(create_app)
        settings = {**options(args.host, args.port, args.workers), "certfile": str(tls[0]), "keyfile": str(tls[1])}
        ProductionServer(create_app, settings, args.threads).run()
    else:
        from web.platform.serve import run_production

        run_production(create_app, args.host, args.port, args.workers, args.threads)
    return 0


def https_setup(port: int) -> tuple[Path, Path]:
    """The certificate and key to serve HTTPS with, and the settings that go with it (read by each worker's app
    from the environment): secure cookies, and this machine's network addresses among the allowed host names.
    A certificate of one's own (ESAPR_TLS_CERT, ESAPR_TLS_KEY) is used as it is; else the local one
    (web/platform/tls.py), whose authority a phone installs once (README, "Phones")."""
    from web.platform.config import _env_list
    from web.platform.tls import CertificateError, certificate_names, ensure_certificate, lan_addresses

    os.environ.setdefault("ESAPR_COOKIE_SECURE", "1")
    addresses = lan_addresses()
    own = os.environ.get("ESAPR_TLS_CERT"), os.environ.get("ESAPR_TLS_KEY")
    if all(own):
        cert, key = Path(own[0]), Path(own[1])
        names = certificate_names(addresses)
    else:
        instance = Path(os.environ.get("ESAPR_INSTANCE_PATH") or PROJECT_ROOT / "instance").resolve()
        try:
            local = ensure_certificate(instance / "tls", addresses)
        except CertificateError as exc:
            raise SystemExit(f"main.py serve --https: {exc}") from None
        cert, key, names = local.cert, local.key, local.names
        os.environ["ESAPR_LOCAL_CA_CERT"] = str(local.ca_cert)  # /local-ca.crt hands it to a phone
        print(f"Local certificate authority (install it on the phone once): {local.ca_cert}", file=sys.stderr)
    allowed = _env_list("ESAPR_TRUSTED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    extra = [h for h in (f"[{n}]" if ":" in n else n for n in names) if h not in allowed]
    os.environ["ESAPR_TRUSTED_HOSTS"] = ",".join(allowed + extra)
    for address in addresses or ["localhost"]:
        print(f"ESAPR on https://{address}:{port}/  (certificate for: {', '.join(names)})", file=sys.stderr)
    return cert, key


if __name__ == "__main__":
    sys.exit(main())
