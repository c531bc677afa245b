"""The `moc-tui` console script: one program, one subcommand per job.

Each subcommand lives in its own module exposing `register(subparsers)`; the module sets
`run=<callable(args) -> int>` as the parser default. Problems are printed in plain words on
stderr and turned into a non-zero exit status, never a traceback.

A run imports only the module of the subcommand it names (all of them for `--help`, a typo or
no subcommand): together they pull in Keystone, gspread and Flask, seconds of start-up that
`moc-tui backend` (the TUI's first screen waits for it) and every cron job would pay for nothing.
`demo` needs the `demo` extra (a Keystone, werkzeug, an SMTP sink): a plain `pip install .` lacks
them, so its module is imported only when `demo` is the command, never for the listing.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from moc_tui import __version__

# subcommand -> the module that registers it (a module may register two)
SUBCOMMANDS = {
    "check": "moc_tui.cli.check",
    "sheet": "moc_tui.cli.sheet",
    "provision": "moc_tui.cli.provision",
    "quota": "moc_tui.cli.quota",
    "reset-password": "moc_tui.cli.reset_password",
    "notify": "moc_tui.cli.notify",
    "activation": "moc_tui.cli.notify",
    "backup": "moc_tui.cli.backup",
    "restore": "moc_tui.cli.backup",
    "backend": "moc_tui.cli.backend",
    "setup-host": "moc_tui.cli.setup_host",
    "doctor": "moc_tui.cli.doctor",
    "operator": "moc_tui.cli.operator",
}
SUBCOMMAND_MODULES = tuple(dict.fromkeys(SUBCOMMANDS.values()))
# command -> (module, help line, extra): registered from its module only when it is the command.
OPTIONAL_SUBCOMMANDS = {
    "demo": ("moc_tui.cli.demo", "run the whole product locally with sample requests", "demo"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or only `command`'s module when it is one of ours."""
    parser = argparse.ArgumentParser(
        prog="moc-tui",
        description="Helpdesk onboarding for the cloud: approved requests become accounts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    module = SUBCOMMANDS.get(command or "")
    for name in (module,) if module else SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    if module:
        return parser
    for optional, (_, help_line, _) in OPTIONAL_SUBCOMMANDS.items():
        listed = subparsers.add_parser(optional, help=help_line, add_help=False)
        listed.set_defaults(run=lambda _args, optional=optional: _run_optional([optional]))
    return parser


def _run_optional(argv: list[str]) -> int:
    """Import the optional command's module now, then parse and run it with its own parser."""
    command = argv[0]
    module_name, _, extra = OPTIONAL_SUBCOMMANDS[command]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        print(
            f"moc-tui {command} needs the {extra!r} extra, which is not installed "
            f"(no module {error.name!r}): pip install 'moc-tui[{extra}]'",
            file=sys.stderr,
        )
        return 2
    parser = argparse.ArgumentParser(prog="moc-tui")
    module.register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in OPTIONAL_SUBCOMMANDS:
            return _run_optional(argv)
        args = build_parser(argv[0] if argv else None).parse_args(argv)
        status: int = args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return status
