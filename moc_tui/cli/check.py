"""`moc-tui check`: validate a settings file and say everything wrong with it at once."""

from __future__ import annotations

import argparse

from moc_tui.cli.common import add_config_option, load_or_report


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate a settings file",
        description="Validate a settings file: every problem is listed; exit 1 if there is any.",
    )
    add_config_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    store = settings.access_sheet
    where = store.local_store if store.is_local else f"Google sheet {store.worksheet_key}"
    print(f"{settings.path}: OK")
    print(f"  cloud:          {settings.auth.auth_url} as {settings.auth.admin_user}")
    print(f"  access sheet:   {where}")
    print(f"  quota sheet:    {'configured' if settings.quota_sheet else 'not configured'}")
    print(
        f"  mail:           {settings.smtp.host}:{settings.smtp.port} "
        f"({settings.smtp.security.value})"
    )
    print(f"  state directory: {settings.state_dir}")
    return 0
