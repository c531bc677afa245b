"""`setpass` console command: serve (development), purge, genkey, check, upgrade.

Production serves `setpass.wsgi` through Apache mod_wsgi or gunicorn (see config/); `serve` is
werkzeug's threaded server for development and demos.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from setpass import schema
from setpass.config import ConfigError, Settings, load_settings
from setpass.crypto import generate_secret_key
from setpass.engine import DatabaseConfigError, make_engine, shown


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


def cmd_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from setpass.app import create_app

    settings = _settings(args)
    app = create_app(settings)
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    server = make_server(host, port, app, threaded=True)
    print(f"setpass listening on http://{host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete registrations whose link expired more than `--grace-days` ago (run from cron).

    The grace matters: moc-tui's activation job renews expired links and records users who never
    set a password; a registration purged before that job saw it would look like an activated
    user. Two weeks covers any sane schedule of that job.
    """
    from setpass.app import utc_now
    from setpass.db import Store

    settings = _settings(args)
    engine = make_engine(settings.database)
    schema.upgrade(engine)
    store = Store(engine)
    grace = args.grace_days * 86400
    removed = store.purge_expired(utc_now(), settings.token_expiration + grace)
    print(f"purged {removed} expired registration(s)")
    return 0


def cmd_genkey(_args: argparse.Namespace) -> int:
    print(generate_secret_key())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """The config, then the database: reachable, and its schema at this release's revision."""
    settings = _settings(args)
    print(f"config OK: database {shown(settings.database)}, Keystone {settings.auth_url}")
    try:
        found = schema.state(make_engine(settings.database))
    except (DatabaseConfigError, SQLAlchemyError) as exc:
        print(f"database {shown(settings.database)} cannot be read: {_why(exc)}", file=sys.stderr)
        return 1
    if not found.up_to_date and (found.current is not None or found.legacy):
        print(found.describe(), file=sys.stderr)
        return 1
    print(found.describe())
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database to this release's schema (the service also does it at start)."""
    settings = _settings(args)
    engine = make_engine(settings.database)
    before = schema.state(engine)
    schema.upgrade(engine)
    after = schema.state(engine)
    print(f"database schema: {before.current or 'none'} -> {after.current}")
    return 0


def _why(exc: Exception) -> str:
    """The error's first line: the driver's words, never the statement or its parameters."""
    original = getattr(exc, "orig", None)
    return str(original if original is not None else exc).splitlines()[0][:300]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="setpass", description=__doc__)
    parser.add_argument(
        "-c",
        "--config",
        help="config file (default: $SETPASS_CONFIG, /etc/setpass/setpass.conf, /etc/setpass.conf)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the development server")
    serve.add_argument("--host", help="address to bind (default: config `host`, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: config `port`, 5001; 0 = any)")
    serve.set_defaults(func=cmd_serve)
    purge = sub.add_parser("purge", help="delete registrations expired for a while")
    purge.add_argument(
        "--grace-days",
        type=int,
        default=14,
        metavar="N",
        help="keep expired registrations this many days after expiry (default 14)",
    )
    purge.set_defaults(func=cmd_purge)
    sub.add_parser("genkey", help="print a new secret_key").set_defaults(func=cmd_genkey)
    sub.add_parser(
        "check", help="validate the config file and that the database schema is current"
    ).set_defaults(func=cmd_check)
    sub.add_parser("upgrade", help="migrate the database schema").set_defaults(func=cmd_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        result: int = args.func(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
