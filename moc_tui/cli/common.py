"""Pieces every subcommand shares: the `--config` option and loading settings with a report."""

from __future__ import annotations

import argparse
import sys
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
