"""`moc-tui demo`: the whole product on this machine, with sample requests, then the TUI.

Starts the demo stack (a real Keystone with the quota API, the setpass service, a mail sink and
the embedded sheet store seeded with realistic requests), opens the TUI as operator `demo`, and
stops everything when the TUI quits. Mail sent during the demo lands in a Maildir whose path is
printed at the start (read it with any mail reader, or `mutt -f PATH`) and shown again in the
TUI's help (`?`), with the setpass address and a command line to try. One demo at a time per
folder: a second one is refused while the first runs.

This module imports the demo stack (and its test-only dependencies) at the top: `moc_tui.cli`
imports it only when `demo` is the command, and says which extra to install when that fails.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path

from moc_tui.devstack.demo import DemoRunning, DemoStack


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


def tui_command(settings: Path, note: str = "") -> list[str]:
    """The TUI as the operator `demo`, its backend a plain child process (no sudo)."""
    command = [sys.executable, "-m", "moc_tui.tui", "--config", str(settings)]
    return [*command, "--operator", "demo", *(["--note", note] if note else [])]


def cli_command() -> list[str]:
    """`moc-tui` as it can be typed here: the venv's script by its path (the venv is not on
    PATH when the demo was started by ./scripts/demo), else this interpreter's `-m moc_tui`."""
    script = Path(sys.executable).parent / "moc-tui"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "moc_tui"]


def try_line(settings: Path) -> str:
    return shlex.join(
        [*cli_command(), "provision", "--config", str(settings), "--all", "--dry-run"]
    )


def run(args: argparse.Namespace) -> int:
    if not args.no_tui and not sys.stdin.isatty():
        print(
            "the demo opens a terminal UI: run it in a terminal (or use --no-tui)", file=sys.stderr
        )
        return 2
    stack = DemoStack(args.home)
    try:
        stack.lock.acquire()  # before anything touches the folder or its log
    except DemoRunning as running:
        print(f"{running}; stop it first (quit its TUI, or Ctrl+C)", file=sys.stderr)
        return 1
    # The stack's servers run in this process and share the terminal with the TUI: their logs
    # (werkzeug's access lines, the mail server's) go to a file beside the demo folder instead.
    log_file = args.home.parent / f"{args.home.name}.log"
    logging.basicConfig(filename=log_file, level=logging.INFO, force=True)
    print("starting the demo stack (Keystone, quota API, setpass, mail sink) ...", flush=True)
    try:
        settings = stack.start()
        lines = [
            f"  settings:  {settings}",
            f"  setpass:   {stack.setpass_url}",
            f"  mail:      {stack.maildir} (a Maildir: mutt -f {shlex.quote(str(stack.maildir))})",
            f"  log:       {log_file}",
            f"  try:       {try_line(settings)}",
        ]
        print("\n".join(lines), flush=True)
        if args.no_tui:
            print("running; Ctrl+C stops the demo", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
            return 0
        note = "The demo (also printed before the TUI started):\n" + "\n".join(lines) + "\n"
        return subprocess.run(tui_command(settings, note), check=False).returncode
    finally:
        stack.stop()
        print("demo stopped")
