"""Development entry: `python -m moc_tui.tui --config settings.ini --operator NAME`.

The backend runs as a plain child process (`dev_command`); in production the login wrapper
builds the sudo command instead and calls `run()` with the same app.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from moc_tui.protocol.client import BackendClient, dev_command, production_command
from moc_tui.tui.backend_link import Backend
from moc_tui.tui.primed import PrimedBackend

OPERATOR = re.compile(r"[a-z][a-z0-9_-]{0,31}")
SESSION = re.compile(r"[0-9a-f]{1,32}")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m moc_tui.tui")
    parser.add_argument("--operator", required=True)
    parser.add_argument("--session", default="")
    parser.add_argument("--config", type=Path, help="settings.ini: the backend as a child process")
    parser.add_argument("--backend-user", help="production: the backend's service user")
    parser.add_argument("--backend", help="production: the backend's fixed path")
    parser.add_argument("--note", default="", help="development: lines shown in the help screen")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if not OPERATOR.fullmatch(args.operator):
        print("invalid operator name", file=sys.stderr)
        return 64
    if args.config is not None:
        command = dev_command(args.config)
    elif args.backend_user and args.backend:
        command = production_command(args.backend_user, args.backend)
    else:
        print("give --config, or --backend-user and --backend", file=sys.stderr)
        return 64
    session = args.session if SESSION.fullmatch(args.session) else ""
    return run(args.operator, command, session, note=args.note)


def run(operator: str, command: list[str], session: str = "", *, note: str = "") -> int:
    """Start the app with a backend started from `command`; its exit status (1 after a crash).

    The first backend is started before Textual is imported, and asked for the greeting and the
    first list at once (`PrimedBackend`): the backend's start-up and first answer overlap
    Textual's instead of adding up before the first screen. Later ones (after the operator asks
    to reconnect) start when asked.
    """
    hello = {"operator": operator, **({"session": session} if session else {})}
    early: list[Backend] = [
        PrimedBackend(BackendClient(command), [("hello", hello), ("list_access", {})])
    ]

    def connect() -> Backend:
        return early.pop() if early else BackendClient(command)

    try:
        from moc_tui.tui.app import HelpdeskTui

        app = HelpdeskTui(operator, connect, session, note=note)
        app.run()
    finally:
        for unused in early:  # the app never asked for it (it failed to start)
            unused.close(timeout=5)
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
