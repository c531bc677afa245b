"""Pieces the subcommands share: `--config`, loading settings with a report, and the options
and messages of the two batch commands (`provision`, `quota`)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterable
from pathlib import Path

from moc_tui.core.settings import Settings, SettingsError, load_settings

DEFAULT_CONFIG = Path("/etc/moc-tui/settings.ini")


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        metavar="PATH",
        help=f"settings file (default: {DEFAULT_CONFIG})",
    )


def load_or_report(path: Path) -> Settings | None:
    """Load settings; on problems print every one of them and return None."""
    try:
        settings = load_settings(path)
    except SettingsError as error:
        print(error.report(), file=sys.stderr)
        return None
    for warning in settings.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return settings


def add_batch_options(parser: argparse.ArgumentParser, flag: str, metavar: str, help: str) -> None:
    """`--all | <flag> VALUE`, `--dry-run` and `--operator`, as provision and quota take them."""
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every pending request")
    which.add_argument(flag, metavar=metavar, help=help)
    parser.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
    add_operator_option(parser)


def add_operator_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--operator",
        default=getpass.getuser(),
        help="who is acting, for the audit trail (default: the login name)",
    )


def warn_all(problems: Iterable[str]) -> None:
    """Problems of a tab as a whole (a missing column, say): reported, the run goes on."""
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
