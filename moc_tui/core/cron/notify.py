"""`notify`: a ticket per newly approved row, a digest of rows waiting too long for approval.

Per sheet this costs one read of the form tab and at most one identity-checked write (every Helpdesk
Notified and Reminder Sent stamp in one batch, `SheetStore.update_rows`): each stamp goes to the row
of the request it belongs to, wherever that row is by then (in the done tab if a provisioning run
moved it meanwhile), or is not written at all (a row deleted or edited meanwhile); never to
another row.

The original mailed every ticket before writing any stamp, so a failure in between sent duplicate
tickets on the next run (anchors §3.1 item 2). Here each ticket goes through the journal's outbox,
keyed by the row's Timestamp and email as typed (`ticket_key`) and claimed before it is
sent (as every outbox mail is, `moc_tui.core.workflow.outbox`): a row whose ticket the journal
holds as sent is only stamped on the next run, never mailed again.

One window is left, as in any outbox: a crash after the mail server accepted a ticket and before the
journal recorded it resends that ticket (with the same Message-ID).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from moc_tui.core.cron.tickets import (
    SheetKind,
    digest_mail,
    request_values,
    sheet_kinds,
    ticket_mail,
)
from moc_tui.core.cron.times import Now, local_now, parse_sheet_time, stamp
from moc_tui.core.journal import Journal
from moc_tui.core.ports import MailSender
from moc_tui.core.settings import Settings
from moc_tui.core.sheets import RowRef, SheetStore
from moc_tui.core.table import Table, read_table
from moc_tui.core.text import trim, visible
from moc_tui.core.workflow.keys import content_key, request_key
from moc_tui.core.workflow.outbox import send_claimed

TICKET = "ticket"
OPERATOR = "cron"


@dataclass
class SheetReport:
    """What one run did to one sheet; `problems` are plain-words lines for the operator."""

    kind: str
    ticketed: list[int] = field(default_factory=list)
    stamped_only: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """False when a ticket, a reminder or the sheet failed (warnings do not count)."""
        return not self.problems


def ticket_key(
    kind: str, timestamp: str, email: str, values: Mapping[str, str] | None = None
) -> str:
    """The journal key of a row's ticket: the sheet, the Timestamp and the email as typed,
    stable while the row moves and while the helpdesk corrects a name or a project. Rows that
    share those (two requests sent in one second) add what the ticket says (`values`), so
    each gets its own ticket; the old key (lower-cased email) let the second pass for done."""
    extra = [f"{k}={v}" for k, v in (values or {}).items()]
    return content_key(f"ticket-{kind}", trim(timestamp), trim(email), *extra)


def legacy_ticket_key(kind: str, timestamp: str, email: str) -> str:
    """The key versions before content keys journaled a ticket under."""
    return request_key(f"ticket-{kind}", timestamp, email)


def identity(table: Table, cells: Sequence[str]) -> tuple[str, str]:
    """(Timestamp, email) of a row; a row with neither is known by its whole content."""
    timestamp, email = table.cell(cells, "timestamp"), table.cell(cells, "email")
    if not trim(email) and not trim(timestamp):
        timestamp = "\x1f".join(cells)
    return timestamp, email


STAMPED = ("approved", "notified", "reminder_sent")  # the helpdesk's cells, not the request's


def row_keys(kind: str, table: Table) -> dict[int, str]:
    """The key each row's stamps are written under (the tag that finds the row later): the
    Timestamp and lower-cased email, as ever; rows sharing those add what the requester
    typed (and, for rows alike in every cell, their order), since one write needs a key per
    row (two such rows used to fail the whole sheet's stamps)."""
    plain = {row: request_key(kind, *identity(table, cells)) for row, cells in table.rows}
    shared = Counter(plain.values())
    ours = {table.columns[f] for f in STAMPED if f in table.columns}
    keys: dict[int, str] = {}
    for row, cells in table.rows:
        key = plain[row]
        if shared[key] > 1:
            asked = [cell for i, cell in enumerate(cells) if i not in ours]
            key = content_key(f"stamp-{kind}", key, *asked)
            while key in keys.values():  # alike in every cell the requester typed
                key = content_key(f"stamp-{kind}", key)
        keys[row] = key
    return keys


def is_approved(table: Table, cells: Sequence[str]) -> bool:
    return trim(table.cell(cells, "approved")).casefold() == "approved"


@dataclass
class NotifyRun:
    """One sheet's pass: collect tickets and reminders, mail them, stamp in one write."""

    settings: Settings
    kind: SheetKind
    journal: Journal
    mailer: MailSender
    now: datetime
    report: SheetReport
    row_keys: dict[int, str]  # the key each row's stamps are written under (`row_keys`)
    stamps: dict[int, tuple[RowRef, dict[int, str]]] = field(default_factory=dict)

    @property
    def stamp_text(self) -> str:
        return stamp(self.now, self.settings.helpdesk.timestamp_format)

    def add_stamp(self, table: Table, row: int, cells: Sequence[str], field_name: str) -> None:
        """Stamp `field_name` of the request read at `row` (found by its key when written)."""
        if row not in self.stamps:
            ref = RowRef(row, self.row_keys[row], list(cells))
            self.stamps[row] = (ref, {})
        self.stamps[row][1][table.columns[field_name] + 1] = self.stamp_text

    def problem(
        self, message: str, row: int | None = None, email: str | None = None, *, warn: bool = False
    ) -> None:
        """Report and keep in the errors log (the same open record is not repeated)."""
        (self.report.warnings if warn else self.report.problems).append(message)
        self.journal.record_error(
            OPERATOR, message, tab=self.kind.sheet.requests_tab, row=row, email=email, step="notify"
        )

    def _key(
        self, table: Table, cells: Sequence[str], shared: Counter[str]
    ) -> tuple[str, str | None]:
        """The row's ticket key and its ticket's status in the journal (None: none yet). The key
        is `ticket_key`, with the row's content when another waiting row has the same Timestamp
        and email. A ticket this row already has under another key is kept: its content key
        from a run where it shared them, or the old key (lower-cased email, before an upgrade)
        when no other waiting row shares that."""
        timestamp, email = identity(table, cells)
        plain = ticket_key(self.kind.kind, timestamp, email)
        values = request_values(self.kind, table, cells)
        own = ticket_key(self.kind.kind, timestamp, email, values)
        old = legacy_ticket_key(self.kind.kind, timestamp, email)
        if shared[plain] > 1:
            return own, self.journal.mail_status(own, TICKET)
        earlier = [own] + ([old] if shared[old] == 1 else [])
        for key in (plain, *earlier):
            status = self.journal.mail_status(key, TICKET)
            if status is not None:
                return key, status
        return plain, None

    def tickets(self, table: Table) -> None:
        if self.settings.helpdesk.email is None:
            self.problem("no tickets sent: set [helpdesk] email")
            return
        waiting = [
            (row, cells)
            for row, cells in table.rows
            if is_approved(table, cells) and not trim(table.cell(cells, "notified"))
        ]
        shared: Counter[str] = Counter()  # how many waiting rows each key would name
        for _, cells in waiting:
            timestamp, email = identity(table, cells)
            shared[ticket_key(self.kind.kind, timestamp, email)] += 1
            shared[legacy_ticket_key(self.kind.kind, timestamp, email)] += 1
        for row, cells in waiting:
            email = table.cell(cells, "email")
            key, status = self._key(table, cells, shared)
            if status is None:
                mail = ticket_mail(self.settings, self.kind, table, cells)
                self.journal.enqueue_mail(key, TICKET, mail.to_payload())
            elif status == "sent":
                self.report.stamped_only.append(row)
                self.add_stamp(table, row, cells, "notified")
                continue
            if self._flush(key, row, email):
                self.report.ticketed.append(row)
                self.add_stamp(table, row, cells, "notified")

    def _flush(self, key: str, row: int, email: str) -> bool:
        """Send the row's queued ticket; True once the journal holds it as sent."""
        for item in self.journal.pending_mail(key):
            if item.kind != TICKET:
                continue
            try:
                sent = send_claimed(self.journal, item, self.mailer)
            except Exception as error:  # one failed ticket never stops the others
                self.problem(
                    f"row {row}: ticket not sent ({error}); it is kept and sent on the next run",
                    row,
                    email,
                )
                return False
            if sent is not None:
                self.journal.audit(
                    OPERATOR, "ticket-sent", key, {"row": row, "sheet": self.kind.kind}
                )
        return self.journal.mail_status(key, TICKET) == "sent"

    def reminders(self, table: Table) -> None:
        reminder = self.settings.reminder
        if reminder.email is None:
            return
        start, interval = timedelta(hours=reminder.start), timedelta(hours=reminder.interval)
        stamp_format = self.settings.helpdesk.timestamp_format
        due: list[tuple[int, Sequence[str], dict[str, str]]] = []
        for row, cells in table.rows:
            if trim(table.cell(cells, "approved")):
                continue  # approved, denied or anything else: never reminded about
            raw = table.cell(cells, "timestamp")
            submitted = parse_sheet_time(raw)
            if submitted is None:
                self.problem(
                    f"row {row}: cannot read the Timestamp {visible(raw, 60)!r}; "
                    "no approval reminder for it",
                    row,
                    table.cell(cells, "email"),
                    warn=True,
                )
                continue
            if self.now < submitted + start:
                continue
            last = parse_sheet_time(table.cell(cells, "reminder_sent"), stamp_format)
            if last is not None and self.now < last + interval:
                continue
            due.append((row, cells, request_values(self.kind, table, cells)))
        if not due:
            return
        try:
            self.mailer.send(digest_mail(self.settings, self.kind, [d for _, _, d in due]))
        except Exception as error:
            self.problem(f"approval reminder not sent ({error}); it is tried on the next run")
            return
        for row, due_cells, _ in due:
            self.report.reminded.append(row)
            self.add_stamp(table, row, due_cells, "reminder_sent")


def notify_sheet(
    settings: Settings,
    kind: SheetKind,
    store: SheetStore,
    journal: Journal,
    mailer: MailSender,
    now: Now = local_now,
) -> SheetReport:
    """Tickets, reminders and their stamps for one sheet: one read, at most one write."""
    report = SheetReport(kind.kind)
    tab = kind.sheet.requests_tab
    rows = store.read_tabs([tab])[tab]
    needed = {f: kind.columns[f] for f in ("approved", "notified", "reminder_sent", "timestamp")}
    table = read_table(tab, rows, {**kind.columns, **needed}, kind.columns_section)
    run = NotifyRun(settings, kind, journal, mailer, now(), report, row_keys(kind.kind, table))
    missing_needed = [m for m in table.missing if any(f"(field {f})" in m for f in needed)]
    if missing_needed:
        for message in missing_needed:
            run.problem(f"{kind.kind} sheet: {message}")
        return report
    run.tickets(table)
    run.reminders(table)
    if run.stamps:
        skipped = set(store.update_rows(tab, list(run.stamps.values())))
        moved = [  # moved to the done tab meanwhile (a provisioning run): stamp it there
            (RowRef(ref.row, f"done:{ref.key}", ref.cells), cells)
            for row, (ref, cells) in run.stamps.items()
            if row in skipped
        ]
        if moved:
            skipped = set(store.update_rows(kind.sheet.done_tab, moved))
        for row in sorted(skipped):
            run.problem(
                f"row {row}: moved, deleted or edited before its stamp was written, so it was "
                "not stamped (a ticket sent for it is recorded; the next run stamps it)",
                row,
                warn=True,
            )
    return report


def notify(
    settings: Settings,
    journal: Journal,
    mailer: MailSender,
    open_sheet: Callable[[SheetKind], SheetStore],
    now: Now = local_now,
) -> list[SheetReport]:
    """Both sheets; a sheet that cannot be read is reported and the other still runs."""
    reports = []
    for kind in sheet_kinds(settings):
        try:
            store = open_sheet(kind)
            reports.append(notify_sheet(settings, kind, store, journal, mailer, now))
        except Exception as error:
            report = SheetReport(kind.kind, problems=[f"{kind.kind} sheet: {error}"])
            journal.record_error(OPERATOR, report.problems[0], step="notify")
            reports.append(report)
    return reports
