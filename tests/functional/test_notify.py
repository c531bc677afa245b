"""`moc-tui notify`, tickets: one per approved row, across crashes, with one read and one write.

Against the Sheets fake (through gspread) and the real STARTTLS SMTP server.
"""

from __future__ import annotations

import pytest

from moc_tui.cli import main
from moc_tui.core.cron.lock import BUSY_EXIT
from moc_tui.core.mail import Mailer, MailError, OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS
from tests.fixtures.stack import HELPDESK_EMAIL, CronStack, MakeCronStack
from tests.notify_run import run_notify
from tests.sample_rows import access_row, quota_row

NOTIFIED = list(ACCESS_COLUMNS).index("notified")
Q_NOTIFIED = list(QUOTA_COLUMNS).index("notified")


def rows() -> tuple[list[list[str]], list[list[str]]]:
    access = [
        access_row(notified="", email="ann@example.org", first_name="Ann"),
        access_row(
            approved="  APPROVED ",
            notified="",
            email="bob@example.org",
            first_name="Bob",
            has_account="Yes",
            new_project="",
            existing_project="physics",
        ),
        access_row(approved="Denied", notified="", email="dan@example.org"),
        access_row(approved="", notified="", email="blank@example.org"),
        access_row(notified="01 Oct 2026 10:00:00", email="old@example.org"),
        access_row(notified="", email="cat@example.org", first_name="Cat", timestamp="x"),
    ]
    quota = [
        quota_row(notified="", instances="10", ram="64", gigabytes="500", comments="thesis"),
        quota_row(approved="denied", notified="", email="no@example.org"),
    ]
    return access, quota


class Crash(BaseException):
    """A simulated kill: nothing in the code under test catches a BaseException."""


class CrashAfterEachMail:
    """Sends the first mail of a run for real, then dies when asked for the next one."""

    def __init__(self, real: Mailer) -> None:
        self.real = real
        self.sent = 0

    def send(self, mail: OutgoingMail) -> SendResult:
        if self.sent:
            raise Crash
        self.sent += 1
        return self.real.send(mail)


def counts(stack: CronStack, key: str, since: int) -> tuple[int, int]:
    """Reads (values, metadata, metadata search) and writes (everything that changes the sheet)."""
    calls = stack.fake.requests(key)[since:]
    writes = sum(1 for c in calls if c.method in ("POST", "PUT") and not c.path.endswith("search"))
    return len(calls) - writes, writes


def tickets_to(stack: CronStack) -> list[str]:
    return [m.message["Subject"] for m in stack.mail.received if HELPDESK_EMAIL in m.rcpt_tos]


def test_one_ticket_per_approved_row_one_read_one_write(make_cron_stack: MakeCronStack) -> None:
    access, quota = rows()
    stack = make_cron_stack(access, quota)
    marks = len(stack.fake.requests(stack.access_key)), len(stack.fake.requests(stack.quota_key))

    reports = run_notify(stack)

    assert [r.ticketed for r in reports] == [[2, 3, 7], [2]]
    received = stack.mail.wait_for(4)
    assert sorted(m.message["Subject"] for m in received) == [
        "MOC Access Request",
        "MOC Access Request",
        "MOC Access Request",
        "MOC Change Quota",
    ]
    assert all(m.over_tls and m.rcpt_tos == (HELPDESK_EMAIL,) for m in received)
    stamp = "01 Nov 2026 12:00:00"
    form = stack.access()
    assert [form[i][NOTIFIED] for i in (1, 2, 3, 4, 5, 6)] == [
        stamp,
        stamp,
        "",
        "",
        "01 Oct 2026 10:00:00",
        stamp,
    ]
    assert stack.quota()[1][Q_NOTIFIED] == stamp
    assert stack.quota()[2][Q_NOTIFIED] == ""
    # open, the tab read, then the stamps (find the rows, tag them, find again, one write):
    # the same for any number of rows
    assert counts(stack, stack.access_key, marks[0]) == (10, 2)
    assert counts(stack, stack.quota_key, marks[1]) == (10, 2)
    assert {r.value_input_option for r in stack.fake.requests(stack.access_key)} <= {None, "RAW"}

    # the ticket carries the original's fields
    bodies = {m.text.splitlines()[0].removeprefix("Requestor: "): m.text for m in received}
    ann = bodies["ann@example.org"]
    for line in ("Priority: High", "Queue: Monitoring", "First name: Ann", "Project: wonderland"):
        assert line in ann
    assert "new OpenStack user account: `ann@example.org`" in ann
    assert "Project: physics" in bodies["bob@example.org"]
    pat = bodies["pi@example.org"]
    assert "Project: k2k" in pat and "ram (RAM (GB)): 64" in pat and "instances" in pat
    assert "cores" not in pat  # blank means unchanged: not listed

    # a second run sends nothing and writes nothing
    stack.mail.clear()
    marks = len(stack.fake.requests(stack.access_key)), len(stack.fake.requests(stack.quota_key))
    reports = run_notify(stack)
    assert all(not r.ticketed and not r.stamped_only for r in reports)
    assert stack.mail.received == []
    assert counts(stack, stack.access_key, marks[0]) == (2, 0)  # open + the tab read
    assert counts(stack, stack.quota_key, marks[1]) == (2, 0)


def test_exactly_one_ticket_per_row_across_a_crash_after_each_mail(
    make_cron_stack: MakeCronStack,
) -> None:
    access, quota = rows()
    stack = make_cron_stack(access, quota)
    crashes = 0
    while True:
        mailer = CrashAfterEachMail(Mailer(stack.settings.smtp))
        try:
            run_notify(stack, mailer)
        except Crash:
            crashes += 1
            # each run mailed one new ticket, then died before that sheet's stamps were written
            assert len(stack.mail.received) == crashes
            if crashes < 3:
                assert [stack.access()[i][NOTIFIED] for i in (1, 2, 6)] == ["", "", ""]
            assert crashes < 10
            continue
        break
    # three access tickets: the run after each one crashed while sending the next one
    assert crashes == 3
    subjects = sorted(tickets_to(stack))
    assert subjects == ["MOC Access Request"] * 3 + ["MOC Change Quota"]
    requestors = sorted(m.text.splitlines()[0] for m in stack.mail.received)
    assert len(requestors) == len(set(requestors)) == 4
    assert all(stack.access()[i][NOTIFIED] for i in (1, 2, 6))
    assert stack.quota()[1][Q_NOTIFIED]
    stack.mail.clear()
    run_notify(stack)
    assert stack.mail.received == []


class FailFor:
    """Refuses the tickets of one requester, sends the others."""

    def __init__(self, real: Mailer, who: str) -> None:
        self.real, self.who = real, who

    def send(self, mail: OutgoingMail) -> SendResult:
        if f"Requestor: {self.who}" in mail.body:
            raise MailError("the mail server said no")
        return self.real.send(mail)


def test_a_failed_ticket_is_not_stamped_and_goes_out_next_run(
    make_cron_stack: MakeCronStack,
) -> None:
    access, _ = rows()
    stack = make_cron_stack(access, [])
    reports = run_notify(stack, FailFor(Mailer(stack.settings.smtp), "bob@example.org"))
    assert reports[0].ticketed == [2, 7]
    assert "row 3: ticket not sent" in reports[0].problems[0]
    assert stack.access()[2][NOTIFIED] == ""
    stack.mail.clear()
    reports = run_notify(stack)
    assert reports[0].ticketed == [3]
    assert [m.text.splitlines()[0] for m in stack.mail.wait_for(1)] == [
        "Requestor: bob@example.org"
    ]


def test_untrusted_text_in_a_ticket_is_escaped(make_cron_stack: MakeCronStack) -> None:
    evil = access_row(notified="", first_name="Eve\u202e<COMMENT>", description="a\x1b[31mb")
    stack = make_cron_stack([evil], [])
    run_notify(stack)
    body = stack.mail.wait_for(1)[0].text
    assert "\u202e" not in body and "\x1b" not in body
    assert "First name: Eve\\u202e<COMMENT>" in body


def test_a_line_break_in_a_one_line_field_cannot_add_a_ticket_line(
    make_cron_stack: MakeCronStack,
) -> None:
    """The project name sits inside COMMENT (free text keeps its lines), but it is a one-line
    field: its line break is escaped like every other one-line value's, the description's kept."""
    evil = access_row(
        notified="", new_project="p1\nQueue: Urgent", description="line one\nline two"
    )
    stack = make_cron_stack([evil], [])
    run_notify(stack)
    lines = stack.mail.wait_for(1)[0].text.splitlines()
    assert "Queue: Urgent" not in lines
    assert " - new OpenStack project: `p1\\x0aQueue: Urgent`" in lines
    assert "line one" in lines and "line two" in lines


def test_missing_helpdesk_address_is_a_problem(make_cron_stack: MakeCronStack) -> None:
    access, _ = rows()
    stack = make_cron_stack(access, [], helpdesk={"priority": "High"})
    reports = run_notify(stack)
    assert reports[0].problems == ["no tickets sent: set [helpdesk] email"]
    assert stack.access()[1][NOTIFIED] == ""


def test_cli_notify(make_cron_stack: MakeCronStack, capsys: pytest.CaptureFixture[str]) -> None:
    access, quota = rows()
    stack = make_cron_stack(access, quota)
    assert main(["notify", "--config", str(stack.settings_path)]) == 0
    out = capsys.readouterr().out
    assert "access sheet: ticket sent: row(s) 2, 3, 7" in out
    assert "quota sheet: ticket sent: row(s) 2" in out
    received = stack.mail.received
    assert len(received) >= 4 and len({m.peer for m in received}) == 1  # one SMTP connection
    assert main(["notify", "--config", str(stack.settings_path)]) == 0
    assert "ticket sent" not in capsys.readouterr().out


def test_a_second_run_while_one_holds_the_lock_exits_75_and_a_killed_holder_frees_it(
    make_cron_stack: MakeCronStack, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    stack = make_cron_stack([], [])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from moc_tui.core.cron.lock import job_lock\n"
            f"with job_lock(Path({str(stack.state_dir)!r}), 'notify'):\n"
            "    print('locked', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        assert main(["notify", "--config", str(stack.settings_path)]) == BUSY_EXIT
        assert f"another notify run is in progress (pid {holder.pid} on " in capsys.readouterr().err
    finally:
        holder.kill()  # a crash: the kernel drops the flock with the process
        holder.wait(timeout=30)
    assert main(["notify", "--config", str(stack.settings_path)]) == 0


def test_rows_without_email_and_timestamp_get_a_ticket_each(make_cron_stack: MakeCronStack) -> None:
    anonymous = [
        access_row(notified="", email="", timestamp="", first_name="One"),
        access_row(notified="", email="", timestamp="", first_name="Two"),
    ]
    stack = make_cron_stack(anonymous, [])
    assert run_notify(stack)[0].ticketed == [2, 3]
    assert len(stack.mail.wait_for(2)) == 2


def test_the_stamp_format_is_configurable(make_cron_stack: MakeCronStack) -> None:
    helpdesk = {"email": HELPDESK_EMAIL, "timestamp_format": "%Y-%m-%d %H:%M"}
    stack = make_cron_stack([access_row(notified="")], [], helpdesk=helpdesk)
    run_notify(stack)
    assert stack.access()[1][NOTIFIED] == "2026-11-01 12:00"


def test_two_requests_in_one_second_get_a_ticket_each(make_cron_stack: MakeCronStack) -> None:
    """The same Timestamp with the email in another case, or the same email twice asking for
    different projects: two requests, two tickets (the old key took the second for sent)."""
    stamp = "10/30/2026 9:15:02"
    same_second = [
        access_row(notified="", timestamp=stamp, email="Ann@example.org", new_project="p1"),
        access_row(notified="", timestamp=stamp, email="ann@example.org", new_project="p1"),
        access_row(notified="", timestamp=stamp, email="bo@example.org", new_project="p2"),
        access_row(notified="", timestamp=stamp, email="bo@example.org", new_project="p3"),
    ]
    stack = make_cron_stack(same_second, [])
    report = run_notify(stack)[0]
    assert report.ticketed == [2, 3, 4, 5] and report.stamped_only == [], report
    bodies = [m.text for m in stack.mail.wait_for(4)]
    assert sorted(b.splitlines()[0] for b in bodies) == [
        "Requestor: Ann@example.org",
        "Requestor: ann@example.org",
        "Requestor: bo@example.org",
        "Requestor: bo@example.org",
    ]
    assert sum("Project: p2" in b for b in bodies) == sum("Project: p3" in b for b in bodies) == 1
    stack.mail.clear()
    assert not run_notify(stack)[0].ticketed and stack.mail.received == []


def test_a_ticket_sent_before_its_stamp_is_not_sent_again(make_cron_stack: MakeCronStack) -> None:
    """A ticket the journal holds as sent, under today's key or the one versions before used,
    gets only its stamp, even when the helpdesk corrected the row's project meanwhile."""
    from moc_tui.core.cron.notify import TICKET, legacy_ticket_key, ticket_key
    from moc_tui.core.journal import Journal

    rows = [
        access_row(notified="", timestamp="t1", email="Cy@example.org", new_project="fixed"),
        access_row(notified="", timestamp="t2", email="Di@example.org"),
    ]
    stack = make_cron_stack(rows, [])
    journal = Journal(stack.settings.state_dir / "journal.sqlite3")
    try:
        for key in (
            ticket_key("access", "t1", "Cy@example.org"),
            legacy_ticket_key("access", "t2", "Di@example.org"),
        ):
            journal.enqueue_mail(key, TICKET, {"to": ["helpdesk"]})
            journal.mail_sent(journal.pending_mail(key)[0].id)
    finally:
        journal.close()
    report = run_notify(stack)[0]
    assert report.ticketed == [] and report.stamped_only == [2, 3]
    assert stack.mail.received == []
    assert all(row[NOTIFIED] for row in stack.access()[1:])
