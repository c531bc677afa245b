"""`moc-tui notify` run in the test's process, at a time the test picks, with a mailer it may wrap.

The ticket, reminder and sheet-fault tests all run the cron this way against a `CronStack`, so
they can crash the mailer at an exact point and move the clock without waiting.
"""

from __future__ import annotations

from datetime import datetime

from moc_tui.core.cron.notify import SheetReport, notify
from moc_tui.core.cron.tickets import SheetKind
from moc_tui.core.journal import Journal
from moc_tui.core.mail import Mailer
from moc_tui.core.sheets import SheetStore, open_store
from tests.fixtures.stack import CronStack

NOW = datetime(2026, 11, 1, 12, 0, 0)


def run_notify(
    stack: CronStack, mailer: object | None = None, now: datetime = NOW
) -> list[SheetReport]:
    settings = stack.settings

    def open_sheet(kind: SheetKind) -> SheetStore:
        return open_store(kind.sheet)

    journal = Journal(settings.state_dir / "journal.sqlite3")
    try:
        return notify(
            settings,
            journal,
            mailer or Mailer(settings.smtp),  # type: ignore[arg-type]
            open_sheet,
            lambda: now,
        )
    finally:
        journal.close()
