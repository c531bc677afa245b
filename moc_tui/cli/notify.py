"""`moc-tui notify` (tickets and approval reminders) and `moc-tui activation` (renewed links).

    moc-tui notify --config PATH
    moc-tui activation --config PATH

Both are cron jobs: they run under a lock in the state directory (a second run at the same time
says who holds it and exits 75), print one line per thing done, and exit 1 when anything failed.
"""

from __future__ import annotations

import argparse
import sys

from moc_tui.cli.common import add_config_option, load_or_report
from moc_tui.core.cron.activation import remind_activation
from moc_tui.core.cron.lock import BUSY_EXIT, JobBusy, job_lock
from moc_tui.core.cron.notify import notify
from moc_tui.core.cron.tickets import SheetKind
from moc_tui.core.journal import Journal
from moc_tui.core.mail import Mailer
from moc_tui.core.services import Services, ServicesError
from moc_tui.core.sheets import SheetStore, open_store
from moc_tui.core.text import visible


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "notify",
        help="ticket approved requests to the helpdesk; remind approvers (cron)",
        description="For the access and quota sheets: mail one ticket per approved row whose "
        "Helpdesk Notified cell is blank and stamp it; mail one digest of rows waiting for "
        "approval longer than [reminder] start hours (again every interval hours).",
    )
    add_config_option(parser)
    parser.set_defaults(run=run)
    activation = subparsers.add_parser(
        "activation",
        help="renew set-password links nobody used; give up after [activation] max_reminders",
        description="For users provisioned with a set-password link that expired unused: "
        "renew the link and mail it again, up to [activation] max_reminders times; then record "
        "the request as not activated for the helpdesk.",
    )
    add_config_option(activation)
    activation.set_defaults(run=run_activation)


def _open(kind: SheetKind) -> SheetStore:
    return open_store(kind.sheet)


def run(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    try:
        with job_lock(settings.state_dir, "notify"):
            journal, mailer = Journal(settings.state_dir / "journal.sqlite3"), Mailer(settings.smtp)
            try:
                with mailer.connection():  # one SMTP connection for every ticket and reminder
                    reports = notify(settings, journal, mailer, _open)
            finally:
                journal.close()
    except JobBusy as busy:
        print(f"notify: {busy}; not started", file=sys.stderr)
        return BUSY_EXIT
    for report in reports:
        for label, rows in (
            ("ticket sent", report.ticketed),
            ("stamped (ticket sent by an earlier run)", report.stamped_only),
            ("approval reminder", report.reminded),
        ):
            if rows:
                listed = ", ".join(map(str, rows))
                print(f"{report.kind} sheet: {label}: row(s) {listed}")
        for warning in report.warnings:
            print(f"{report.kind} sheet: warning: {visible(warning, 500)}", file=sys.stderr)
        for problem in report.problems:
            print(f"{report.kind} sheet: problem: {visible(problem, 500)}", file=sys.stderr)
    return 0 if all(r.ok for r in reports) else 1


def run_activation(args: argparse.Namespace) -> int:
    settings = load_or_report(args.config)
    if settings is None:
        return 1
    try:
        with (
            job_lock(settings.state_dir, "activation"),
            Services(settings, "cron") as services,
            services.mailer.connection(),  # one SMTP connection for every reminder
        ):
            report = remind_activation(
                settings, services.journal, services.setpass, services.cloud, services.mailer
            )
    except JobBusy as busy:
        print(f"activation: {busy}; not started", file=sys.stderr)
        return BUSY_EXIT
    except ServicesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for label, names in (
        ("new link sent", report.reminded),
        ("password set", report.activated),
        ("NOT ACTIVATED (helpdesk: follow up)", report.not_activated),
    ):
        for name in names:
            print(f"{label}: {visible(name, 100)}")
    for problem in report.problems:
        print(f"problem: {visible(problem, 500)}", file=sys.stderr)
    return 0 if report.ok else 1
