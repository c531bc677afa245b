"""The `moc-tui` console script: one program, one subcommand per job.

Each subcommand lives in its own module exposing `register(subparsers)`; the module sets
`run=<callable(args) -> int>` as the parser default. Problems are printed in plain words on
stderr and turned into a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from moc_tui import __version__

SUBCOMMAND_MODULES = (
    "moc_tui.cli.check",
    "moc_tui.cli.sheet",
    "moc_tui.cli.provision",
    "moc_tui.cli.quota",
    "moc_tui.cli.reset_password",
    "moc_tui.cli.notify",
    "moc_tui.cli.backup",
    "moc_tui.cli.demo",
    "moc_tui.cli.backend",
    "moc_tui.cli.setup_host",
    "moc_tui.cli.doctor",
    "moc_tui.cli.operator",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moc-tui",
        description="Helpdesk onboarding for the cloud: approved requests become accounts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status
