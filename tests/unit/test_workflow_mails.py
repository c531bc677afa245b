"""The outbox steps' events: a mail is announced as started only once this run holds it."""

from __future__ import annotations

from pathlib import Path

from moc_tui.core.journal import Journal
from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.workflow.events import Event, StepDone, StepStarted
from moc_tui.core.workflow.steps import Steps


class ClaimsTheNextOne:
    """A mail server that accepts everything; while the first mail goes, another run claims
    the second one (the window between this run's read of the outbox and its claim)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.subjects: list[str] = []

    def send(self, mail: OutgoingMail) -> SendResult:
        if not self.subjects:
            [second] = [i for i in self.journal.pending_mail("k") if i.kind != mail.subject]
            assert self.journal.claim_mail(second, "another-run")
        self.subjects.append(mail.subject)
        return SendResult(refused={})


def mail(subject: str) -> dict[str, object]:
    return OutgoingMail(
        "h@example.org", ("u@example.org",), (), subject, "body", False
    ).to_payload()


def test_a_mail_another_run_claimed_is_not_announced_as_started(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.enqueue_mail("k", "welcome", mail("welcome"))
    journal.enqueue_mail("k", "password", mail("password"))
    events: list[Event] = []
    mailer = ClaimsTheNextOne(journal)
    Steps(journal, "k", 2, events.append, {}).send_mails(mailer, claimer="this-run")
    assert mailer.subjects == ["welcome"]  # the other run sends the password mail
    assert [
        (type(e).__name__, e.step) for e in events if isinstance(e, StepStarted | StepDone)
    ] == [
        ("StepStarted", "mail:welcome"),
        ("StepDone", "mail:welcome"),
    ]
