"""`moc-tui setup-host`: accounts, folders, permissions, the sudoers rule, the sshd drop-in.

    moc-tui setup-host [--prefix DIR] [--helpdesk-user NAME] [--service-user NAME] ...

Idempotent: run it again after an upgrade or to repair; it says what it changed. `--prefix`
installs the files under another root (tests, staging); the accounts are always real.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from moc_tui.host.layout import (
    DEFAULT_HELPDESK,
    DEFAULT_PYTHON,
    DEFAULT_SERVICE,
    RELEASE,
    Layout,
)

SOURCE = RELEASE  # the checkout: shell/ and config/ live there


def add_layout_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prefix", type=Path, default=Path("/"), help="install root (default /)")
    parser.add_argument("--helpdesk-user", default=DEFAULT_HELPDESK)
    parser.add_argument("--service-user", default=DEFAULT_SERVICE)
    parser.add_argument(
        "--python", default=DEFAULT_PYTHON, help="interpreter of the installed program"
    )
    parser.add_argument(
        "--site-dir",
        action="append",
        default=[],
        help="extra site-packages for the launchers (tests; not for production)",
    )
    parser.add_argument("--sudoers-dir", type=Path, help="default: <prefix>/etc/sudoers.d")
    parser.add_argument(
        "--login-log",
        default="syslog",
        help="syslog, or a log file in a folder of its own that setup-host creates "
        "(e.g. /var/log/helpdesk-login/login.log)",
    )
    parser.add_argument("--source", type=Path, default=SOURCE, help="the release checkout")


def layout_from(args: argparse.Namespace) -> Layout:
    return Layout(
        prefix=args.prefix,
        helpdesk_user=args.helpdesk_user,
        service_user=args.service_user,
        python=args.python,
        site_dirs=tuple(args.site_dir),
        sudoers_dir=args.sudoers_dir,
        login_log=args.login_log,
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "setup-host",
        help="set up (or repair) a helpdesk host: accounts, files, sudoers, sshd drop-in",
    )
    add_layout_options(parser)
    parser.add_argument(
        "--no-sshd-check", action="store_true", help="do not run `sshd -t` afterwards"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from moc_tui.host.setup import SetupError, setup_host

    try:
        done = setup_host(layout_from(args), args.source, check_sshd=not args.no_sshd_check)
    except (SetupError, OSError) as error:
        print(f"setup-host: {error}", file=sys.stderr)
        return 1
    for line in done or ["nothing to change"]:
        print(line)
    return 0
