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
    parser.set_defaults(run=run)


def under_sudo() -> bool:
    return "SUDO_UID" in os.environ or "SUDO_USER" in os.environ


def run(args: argparse.Namespace) -> int:
    from moc_tui.backend.server import run as serve

    config: Path = DEFAULT_CONFIG
    if args.config is not None:
        if under_sudo():
            print("moc-tui backend: --config is not accepted under sudo", file=sys.stderr)
            return 64
        config = args.config
    return serve(config, sys.stdin.buffer, sys.stdout.buffer)
