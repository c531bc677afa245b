"""Start the TUI: `python -I -m moc_tui.ui` (the login wrapper passes the arguments).

--operator NAME --backend-user SVC --backend PATH    production: the backend through sudo
--operator NAME --config settings.ini                 development and demo: a child process
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from moc_tui.backend.client import BackendClient, dev_command, production_command

OPERATOR = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="moc-tui-ui")
    parser.add_argument("--operator", required=True)
    parser.add_argument("--session", default="")
    parser.add_argument("--backend-user")
    parser.add_argument("--backend")
    parser.add_argument("--config", type=Path)
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
        print("give --backend-user and --backend, or --config", file=sys.stderr)
        return 64
    from moc_tui.ui.app import HelpdeskApp

    session = args.session if re.fullmatch(r"[0-9a-f]{1,32}", args.session) else ""
    HelpdeskApp(args.operator, lambda: BackendClient(command), session).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
