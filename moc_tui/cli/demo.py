"""`moc-tui demo`: the whole product on this machine, with sample requests, then the TUI.

Starts the demo stack (a real Keystone with the quota API, the setpass service, a mail sink and
the embedded sheet store seeded with realistic requests), opens the TUI as operator `demo`, and
stops everything when the TUI quits. Mail sent during the demo lands in a Maildir whose path is
printed at the start (read it with any mail reader, or `mutt -f PATH`).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

from moc_tui.devstack.demo import DemoStack


def default_home() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "moc-tui-demo"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole product locally with sample requests",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--home",
        type=Path,
        default=default_home(),
        metavar="DIR",
        help=f"where the demo keeps its state; emptied at each start (default {default_home()})",
    )
    parser.add_argument(
        "--no-tui",
        action="store_true",
        help="start the stack and wait (Ctrl+C stops it): for trying the CLI commands by hand",
    )
    parser.set_defaults(run=run)


def tui_command(settings: Path) -> list[str]:
    """The TUI as the operator `demo`, its backend a plain child process (no sudo)."""
    return [sys.executable, "-m", "moc_tui.tui", "--config", str(settings), "--operator", "demo"]


def run(args: argparse.Namespace) -> int:
    if not args.no_tui and not sys.stdin.isatty():
        print(
            "the demo opens a terminal UI: run it in a terminal (or use --no-tui)", file=sys.stderr
        )
        return 2
    # The stack's servers run in this process and share the terminal with the TUI: their logs
    # (werkzeug's access lines, the mail server's) go to a file beside the demo folder instead.
    log_file = args.home.parent / f"{args.home.name}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=log_file, level=logging.INFO, force=True)
    print("starting the demo stack (Keystone, quota API, setpass, mail sink) ...", flush=True)
    stack = DemoStack(args.home)
    try:
        settings = stack.start()
        print(f"  settings:  {settings}")
        print(f"  setpass:   {stack.setpass_url}")
        print(f"  mail:      {stack.maildir} (a Maildir)")
        print(f"  log:       {log_file}")
        print(f"  try:       moc-tui provision --config {settings} --all --dry-run", flush=True)
        if args.no_tui:
            print("running; Ctrl+C stops the demo", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
            return 0
        return subprocess.run(tui_command(settings), check=False).returncode
    finally:
        stack.stop()
        print("demo stopped")
