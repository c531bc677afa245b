"""`moc-tui reset-password`: a new random password and a set-password link for a user.

    moc-tui reset-password --config PATH USERNAME --reference REF [--again]
    moc-tui reset-password --config PATH USERNAME --pin-stdin [--again]

The user asks on setpass's reset form and chooses a new PIN there; setpass keeps it and the
helpdesk ticket carries a reference (`7K3QX-9W2HD`), given here. The PIN never reaches the
operator. `--pin-stdin` is the older way, for a ticket that carries a PIN (filed on the original
form): the PIN is never an argument (argv is visible in `ps`, shell history and sudo logs), it is
read from the terminal without echo, or as one line from a pipe.

The link goes to the address stored in Keystone. A rerun for the same user after a crash or a
failure resumes the same reset and sends one mail; a rerun minutes after a reset that finished
asks first (on a terminal) or needs `--again`, so a user is not mailed twice by mistake.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from moc_tui.cli.common import add_config_option, add_operator_option, load_or_report
from moc_tui.core.locks import Busy, Locks
from moc_tui.core.password_reset import ResetResult
from moc_tui.core.services import Services, ServicesError
from moc_tui.core.step_names import step_label
from moc_tui.core.text import visible
from moc_tui.core.workflow.events import Event, StepDone
from moc_tui.core.workflow.keys import user_lock_key

PROMPT = "PIN from the ticket (4 digits, not shown): "


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "reset-password",
        help="reset a user's password and mail them a set-password link",
        description="Register a new random password with setpass, bound to the PIN the user "
        "chose on the reset form (named by the ticket's reference), set the password in "
        "Keystone, and mail the link to the address Keystone holds for the user.",
    )
    add_config_option(parser)
    parser.add_argument("username", metavar="USERNAME", help="the user name (its email address)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--reference",
        metavar="REF",
        help="the reset reference from the helpdesk ticket (e.g. 7K3QX-9W2HD)",
    )
    source.add_argument(
        "--pin-stdin",
        action="store_true",
        help="older tickets that carry a PIN: read it from standard input (never from argv)",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="reset even though this user's password was reset minutes ago",
    )
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
        print(f"{step_label(event.step)}: done{how}", file=sys.stderr)


def _confirmed(result: ResetResult, interactive: bool) -> bool:
    """Ask on a terminal whether to reset again; elsewhere say how to."""
    print(f"{visible(result.message, 400)}.")
    if not interactive:
        print("nothing was done: run again with --again to reset anyway")
        return False
    answer = input("Reset again and mail the user a new link? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    pin: str | None = None
    if args.pin_stdin:
        pin = read_pin()
        if not pin:
            print("error: no PIN on standard input", file=sys.stderr)
            return 1
    # a question needs a terminal that is not the PIN's pipe
    interactive = sys.stdin is not None and sys.stdin.isatty()
    locks = Locks(settings.state_dir / "locks", args.operator)
    try:
        # the same lock as the backend's: a TUI session and this run never reset one user at once
        with (
            locks.hold([user_lock_key(args.username)]),
            Services(settings, args.operator) as services,
        ):

            def reset(again: bool) -> ResetResult:
                return services.reset_password(
                    args.username,
                    reference=args.reference,
                    pin=pin,
                    again=again,
                    on_event=_print_event,
                )

            result = reset(args.again)
            if result.needs_confirmation:
                if not _confirmed(result, interactive):
                    return 1
                result = reset(True)
    except Busy as busy:
        print(f"error: {visible(args.username, 100)}: {busy}; nothing was done", file=sys.stderr)
        return 1
    except ServicesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        pin = None  # not kept for the rest of the process
    user = visible(result.username, 100)
    if not result.ok:
        if result.request_key is None:  # nothing changed: no step name to explain
            print(f"error: {user} not reset: {visible(result.message, 400)}")
            return 1
        where = f" at the {step_label(result.step)} step" if result.step else ""
        print(f"error: reset of {user} failed{where}: {visible(result.message, 400)}")
        print("the reset stays open: run the same command again to finish it")
        return 1
    again = " (resumed an interrupted reset)" if result.resumed else ""
    print(f"password of {user} reset{again}; link mailed to {result.mailed_to}")
    return 0
