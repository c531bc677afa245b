"""`moc-tui backend`: the privileged backend, speaking JSON lines on stdin/stdout.

In production it is started through the one sudoers rule, which allows no arguments, so it
always reads the fixed /etc/moc-tui/settings.ini. `--config` exists for development and the demo
(a plain child process); under sudo it is refused, so even a sudoers rule widened by mistake
cannot point the backend at a file the caller wrote.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from moc_tui.cli.common import DEFAULT_CONFIG

DEFAULT_OPERATORS = Path("/etc/moc-tui-operators")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "backend",
        help="the privileged backend the TUI talks to (JSON lines on stdin/stdout)",
        description="Serve the TUI's requests on stdin/stdout. Started by the TUI, not by hand.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"settings file for development (default and only choice under sudo: "
        f"{DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "--operators",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"operator map whose viewers are read-only (development; under sudo always "
        f"{DEFAULT_OPERATORS}; without it every operator may change things)",
    )
    parser.set_defaults(run=run)


def under_sudo() -> bool:
    return "SUDO_UID" in os.environ or "SUDO_USER" in os.environ


def run(args: argparse.Namespace) -> int:
    from moc_tui.backend.server import run as serve

    config: Path = DEFAULT_CONFIG
    operators: Path | None = args.operators
    if under_sudo():
        if args.config is not None or args.operators is not None:
            message = "moc-tui backend: --config and --operators are not accepted under sudo"
            print(message, file=sys.stderr)
            return 64
        operators = DEFAULT_OPERATORS
    elif args.config is not None:
        config = args.config
    return serve(config, sys.stdin.buffer, sys.stdout.buffer, operators)
