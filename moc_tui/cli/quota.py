"""`moc-tui quota`: the original set-quotas, journaled, resumable, with a dry run.

    moc-tui quota --config PATH (--all | --project NAME) [--dry-run]

Prints each row's progress, then a table of done and failed rows (applied values or the
reason); the exit status is 1 when any row failed (or, with --dry-run, would be refused), or
when `--project` names no pending request, or when a row was left to another run that holds it;
`--all` with nothing pending is a success (status 0). The run holds the per-request locks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence

from moc_tui.cli.common import add_batch_options, add_config_option, load_or_report, warn_all
from moc_tui.cli.report import Line, print_event, print_plans, summary_table
from moc_tui.core.identifiers import canonical
from moc_tui.core.locks import Locks
from moc_tui.core.quota import QuotaRequest
from moc_tui.core.quota.keys import quota_key
from moc_tui.core.quota.plan import label, shown
from moc_tui.core.services import Services, ServicesError, Tabs
from moc_tui.core.step_names import step_label
from moc_tui.core.text import visible
from moc_tui.core.workflow.exclusive import claim


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "quota",
        help="apply approved quota change requests",
        description="Change the quotas of approved, ticketed quota requests, mail the applied "
        "values to the requester and the project's members, and move the rows to the done tab.",
    )
    add_config_option(parser)
    add_batch_options(
        parser, "--project", "NAME", "the pending request(s) of this project (any case)"
    )
    parser.set_defaults(run=run)


def _select(requests: Sequence[QuotaRequest], project: str | None) -> list[QuotaRequest]:
    if project is None:
        return list(requests)
    wanted = canonical(project.strip())
    return [r for r in requests if canonical(r.project) == wanted]


def _applied(values: Mapping[str, int]) -> str:
    return ", ".join(f"{label(k)} {shown(v)}" for k, v in values.items())


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    try:
        with Services(settings, operator=args.operator) as services:
            _, parsed = services.read_quota_tab()
            warn_all(parsed.tab_problems)
            selected = _select(parsed.requests, args.project)
            if not selected and not args.project:
                print("nothing to do: no approved, ticketed quota requests are pending")
                return 0
            if not selected:
                print(
                    f"No approved/ticketed quota requests found for: {args.project}",
                    file=sys.stderr,
                )
                return 1
            if args.dry_run:
                return print_plans(services.quota_plan(selected))

            def reread() -> tuple[Tabs, list[QuotaRequest]]:
                tabs, parsed = services.read_quota_tab()
                return tabs, _select(parsed.requests, args.project)

            locks = Locks(settings.state_dir / "locks", args.operator)
            with claim(
                locks, services.journal, selected, quota_key, lambda r: [quota_key(r)], reread
            ) as claimed:
                result = services.apply_quotas(claimed.requests, claimed.tabs, on_event=print_event)
    except ServicesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    by_row = {r.row: r for r in claimed.requests}
    rows: list[Line] = [
        (str(r.row), visible(r.project, 60), "done", visible(_applied(result.applied[r.row]), 300))
        for r in result.done
    ]
    rows += [
        (
            str(f.row),
            visible(by_row[f.row].project if f.row in by_row else "", 60),
            f"failed ({step_label(f.step)})",
            visible(f.message, 300),
        )
        for f in result.failed
    ]
    rows += [
        (str(r.row), visible(r.project, 60), "busy", visible(str(b), 300)) for r, b in claimed.busy
    ]
    rows += [(str(r.row), visible(r.project, 60), "skipped", why) for r, why in claimed.gone]
    print(summary_table(("ROW", "PROJECT", "RESULT", "DETAIL"), rows))
    return 0 if result.ok and not claimed.busy else 1
