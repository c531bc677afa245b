"""`setpass` console command: serve (development), purge, genkey, check.

Production serves `setpass.wsgi` through Apache mod_wsgi or gunicorn (see config/); `serve` is
werkzeug's threaded server for development and demos.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from setpass.config import ConfigError, Settings, load_settings
from setpass.crypto import generate_secret_key


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
    from setpass.db import Store, make_engine

    settings = _settings(args)
    store = Store(make_engine(settings.database))
    store.create_schema()
    grace = args.grace_days * 86400
    removed = store.purge_expired(utc_now(), settings.token_expiration + grace)
    print(f"purged {removed} expired registration(s)")
    return 0


def cmd_genkey(_args: argparse.Namespace) -> int:
    print(generate_secret_key())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    print(f"config OK: database {settings.database}, Keystone {settings.auth_url}")
    return 0


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
    sub.add_parser("check", help="validate the config file").set_defaults(func=cmd_check)
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
