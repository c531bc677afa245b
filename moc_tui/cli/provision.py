"""`moc-tui provision`: the original addusers, journaled, resumable, with a dry run.

    moc-tui provision --config PATH (--all | --user EMAIL) [--dry-run]

Prints each row's progress, then a table of done and failed rows with the reasons; the exit
status is 1 when any row failed (or, with --dry-run, would be refused), or was left to another run
that holds it (named, with its pid), or when `--user` names no pending request; `--all` with
nothing pending is a success (one line, status 0). A row another run finished meanwhile is shown
as skipped. The run holds the per-request locks the TUI's sessions take (`moc_tui.core.locks`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from moc_tui.cli.common import add_batch_options, add_config_option, load_or_report, warn_all
from moc_tui.cli.report import print_event, print_plans, summary_table
from moc_tui.core.access import AccessRequest
from moc_tui.core.access.keys import access_key, access_lock_keys
from moc_tui.core.locks import Locks
from moc_tui.core.services import Services, ServicesError, Tabs
from moc_tui.core.step_names import step_label
from moc_tui.core.text import visible
from moc_tui.core.workflow.exclusive import claim


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "provision",
        help="turn approved access requests into accounts",
        description="Create the projects and users of approved, ticketed access requests, "
        "register them with setpass, send the mails, and move the rows to the done tab.",
    )
    add_config_option(parser)
    add_batch_options(parser, "--user", "EMAIL", "the pending request(s) of this email")
    parser.set_defaults(run=run)


def _select(requests: Sequence[AccessRequest], user: str | None) -> list[AccessRequest]:
    if user is None:
        return list(requests)
    wanted = user.strip().lower()
    return [r for r in requests if r.username == wanted]


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    try:
        with Services(settings, operator=args.operator) as services:
            _, parsed = services.read_access_tab()
            warn_all(parsed.tab_problems)
            selected = _select(parsed.requests, args.user)
            # held or denied by the helpdesk: not pending work until released (`access.hold`)
            held = [r for r in selected if r.hold is not None]
            selected = [r for r in selected if r.hold is None]
            skipped = [(str(r.row), visible(r.email, 60), "skipped", r.problems[-1]) for r in held]
            if held and not selected:
                print(summary_table(("ROW", "EMAIL", "RESULT", "REASON"), skipped))
                return 0
            if not selected and not args.user:
                print("nothing to do: no approved, ticketed access requests are pending")
                return 0
            if not selected:
                print(f"No approved/ticketed requests found matching: {args.user}", file=sys.stderr)
                return 1
            if args.user and len(selected) > 1:
                print(
                    f"note: {len(selected)} rows match {args.user}; each is handled; close "
                    "the extra tickets",
                    file=sys.stderr,
                )
            if args.dry_run:
                for row, email, _, why in skipped:
                    print(f"row {row} ({email}): skipped: {why}")
                return print_plans(services.plan(selected))

            def reread() -> tuple[Tabs, list[AccessRequest]]:
                tabs, parsed = services.read_access_tab()
                return tabs, _select(parsed.requests, args.user)

            locks = Locks(settings.state_dir / "locks", args.operator)
            with claim(
                locks, services.journal, selected, access_key, access_lock_keys, reread
            ) as claimed:
                result = services.provision(claimed.requests, claimed.tabs, on_event=print_event)
    except ServicesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    rows = [(str(r.row), visible(r.email, 60), "done", "") for r in result.done]
    rows += [
        (
            str(f.row),
            visible(f.email, 60),
            f"failed ({step_label(f.step)})",
            visible(f.message, 300),
        )
        for f in result.failed
    ]
    rows += [
        (str(r.row), visible(r.email, 60), "busy", visible(str(b), 300)) for r, b in claimed.busy
    ]
    rows += [(str(r.row), visible(r.email, 60), "skipped", why) for r, why in claimed.gone]
    rows += skipped
    print(summary_table(("ROW", "EMAIL", "RESULT", "REASON"), rows))
    return 0 if result.ok and not claimed.busy else 1
