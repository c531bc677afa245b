"""`moc-tui reset-password`: a new random password and a set-password link for a user.

    moc-tui reset-password --config PATH USERNAME   (the PIN on standard input)

The PIN is never an argument (argv is visible to every local user in `ps` and /proc, and lands
in shell history and sudo logs): it is read from the terminal without echo, or as one line
from a pipe. The link goes to the address stored in Keystone. A rerun for the same user after a
crash or a failure resumes the same reset and sends one mail.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from moc_tui.cli.common import add_config_option, add_operator_option, load_or_report
from moc_tui.core.locks import Busy, Locks
from moc_tui.core.provision.keys import user_lock_key
from moc_tui.core.services import Services, ServicesError
from moc_tui.core.text import visible
from moc_tui.core.workflow.events import Event, StepDone

PROMPT = "PIN the user gave (4 digits, not shown): "


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reset-password",
        help="reset a user's password and mail them a set-password link",
        description="Register a new random password and the user's PIN with setpass, set the "
        "password in Keystone, and mail the link to the address Keystone holds for the user. "
        "The PIN is read from standard input (without echo on a terminal), never from argv.",
    )
    add_config_option(parser)
    parser.add_argument("username", metavar="USERNAME", help="the user name (its email address)")
    add_operator_option(parser)
    parser.set_defaults(run=run)


def read_pin() -> str | None:
    """The PIN: from the terminal without echo, else the first line of standard input with
    its line ending removed (and nothing else: " 1234" or "1234 " are refused later)."""
    if sys.stdin is None:
        return None
    if sys.stdin.isatty():
        return getpass.getpass(PROMPT)
    line = sys.stdin.readline()
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def _print_event(event: Event) -> None:
    if isinstance(event, StepDone):
        how = " (done by an earlier run)" if event.resumed else ""
        print(f"{event.step}: done{how}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    pin = read_pin()
    if not pin:
        print("error: no PIN on standard input", file=sys.stderr)
        return 1
    try:
        with (
            Services(settings, operator=args.operator) as services,
            Locks(settings.state_dir / "locks", args.operator).hold([user_lock_key(args.username)]),
        ):
            result = services.reset_password(args.username, pin, on_event=_print_event)
    except Busy as busy:
        print(f"error: {visible(args.username, 100)}: {busy}", file=sys.stderr)
        return 1
    except ServicesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        del pin
    user = visible(result.username, 100)
    if not result.ok:
        where = f" at {result.step}" if result.step else ""
        print(f"error: reset of {user} failed{where}: {visible(result.message, 400)}")
        if result.request_key:
            print("the reset stays open: run the same command again to finish it")
        return 1
    again = " (resumed an interrupted reset)" if result.resumed else ""
    print(f"password of {user} reset{again}; link mailed to {result.mailed_to}")
    return 0
