"""Approval reminders: after `start` hours, then every `interval` hours, one digest per sheet."""

from __future__ import annotations

from datetime import datetime

from moc_tui.core.cron.times import parse_sheet_time
from moc_tui.core.journal import Journal
from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS
from tests.fixtures.stack import APPROVER_EMAIL, MakeCronStack
from tests.notify_run import run_notify
from tests.sample_rows import access_row, quota_row
from tests.tab_names import FORM

REMINDED = list(ACCESS_COLUMNS).index("reminder_sent")
Q_REMINDED = list(QUOTA_COLUMNS).index("reminder_sent")


def waiting_rows() -> list[list[str]]:
    return [
        access_row(approved="", notified="", email="wait@example.org", first_name="Walt"),
        access_row(approved="Denied", notified="", email="denied@example.org"),
        access_row(approved="", notified="", email="odd@example.org", timestamp="last Tuesday"),
        access_row(
            approved="",
            notified="",
            email="new@example.org",
            timestamp="11/2/2026 8:00:00",
            first_name="<b>Nina</b>",
        ),
        access_row(email="done@example.org"),  # approved and notified: nothing to do
    ]


def digests(stack: object) -> list[str]:
    mail = stack.mail  # type: ignore[attr-defined]
    return [m.text for m in mail.received if APPROVER_EMAIL in m.rcpt_tos]


def test_reminders_respect_start_and_interval(make_cron_stack: MakeCronStack) -> None:
    quota = [quota_row(approved="", notified="", timestamp="2026-11-01 10:00:00", project="k2k")]
    stack = make_cron_stack(waiting_rows(), quota)  # start 24 h, interval 24 h

    # 23 hours after the request: too early
    reports = run_notify(stack, now=datetime(2026, 11, 2, 8, 0))
    assert [r.reminded for r in reports] == [[], []]
    assert digests(stack) == []
    # the unreadable timestamp is reported, not crashed on
    warning = "row 4: cannot read the Timestamp 'last Tuesday'; no approval reminder for it"
    assert reports[0].warnings == [warning] and reports[0].ok
    assert [e.message for e in Journal(stack.state_dir / "journal.sqlite3").errors()] == [warning]

    # 24 hours: the first row is due (the quota row, sent at 10:00, is not yet)
    reports = run_notify(stack, now=datetime(2026, 11, 2, 9, 0))
    assert [r.reminded for r in reports] == [[2], []]
    (digest,) = stack.mail.wait_for(1)
    assert digest.rcpt_tos == (APPROVER_EMAIL,)
    assert digest.message.get_content_type() == "multipart/alternative"  # html + text/plain
    assert digest.message["Subject"] == "Requests waiting for approval"
    assert "<b>1</b> Access request(s)" in digest.text and "24 hours" in digest.text
    assert "wait@example.org" in digest.text and "denied@example.org" not in digest.text
    assert f"https://docs.google.com/spreadsheets/d/{stack.access_key}" in digest.text
    assert stack.access()[1][REMINDED] == "02 Nov 2026 09:00:00"

    # within the interval nothing more, even though the quota row is due now: one digest each
    stack.mail.clear()
    reports = run_notify(stack, now=datetime(2026, 11, 2, 20, 0))
    assert [r.reminded for r in reports] == [[], [2]]
    assert len(digests(stack)) == 1 and "Quota request" in digests(stack)[0]
    assert stack.quota()[1][Q_REMINDED] == "02 Nov 2026 20:00:00"

    # a day after the first reminder: the first row again, and the newer one in the same digest
    stack.mail.clear()
    reports = run_notify(stack, now=datetime(2026, 11, 3, 9, 0))
    assert reports[0].reminded == [2, 5]
    (text,) = digests(stack)
    assert "<b>2</b> Access" in text
    assert "&lt;b&gt;Nina&lt;/b&gt;" in text  # escaped in the HTML digest
    stamp = "03 Nov 2026 09:00:00"
    assert [stack.access()[i][REMINDED] for i in (1, 4, 2, 3)] == [stamp, stamp, "", ""]


def test_once_approved_no_more_reminders(make_cron_stack: MakeCronStack) -> None:
    stack = make_cron_stack(waiting_rows()[:1], [])
    run_notify(stack, now=datetime(2026, 11, 5, 9, 0))
    assert len(digests(stack)) == 1
    from moc_tui.core.sheets import open_store

    open_store(stack.settings.access_sheet).write_cells(FORM, {(2, 1): "Approved"})
    stack.mail.clear()
    reports = run_notify(stack, now=datetime(2026, 11, 9, 9, 0))
    assert reports[0].reminded == [] and reports[0].ticketed == [2]
    assert digests(stack) == []


def test_no_reminder_address_no_reminders(make_cron_stack: MakeCronStack) -> None:
    stack = make_cron_stack(waiting_rows()[:1], [], reminder={"start": "1"})
    reports = run_notify(stack, now=datetime(2026, 11, 5, 9, 0))
    assert reports[0].reminded == [] and stack.mail.received == []


def test_sheet_times_are_read_robustly() -> None:
    assert parse_sheet_time("11/1/2026 9:00:00") == datetime(2026, 11, 1, 9, 0)
    assert parse_sheet_time(" 11/1/2026  9:05 ") == datetime(2026, 11, 1, 9, 5)
    assert parse_sheet_time("2026-11-01T09:00:00") == datetime(2026, 11, 1, 9, 0)
    assert parse_sheet_time("01 Nov 2026 10:00:00") == datetime(2026, 11, 1, 10, 0)
    assert parse_sheet_time("13/1/2026 9:00:00") is None
    assert parse_sheet_time("") is None and parse_sheet_time("soon") is None
