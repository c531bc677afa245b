"""Activation reminders over fakes for setpass, Keystone and mail (tests/reminder_fakes.py) and a
real journal: a locked link, the count, max_reminders, a reminder that may have arrived.

The same cron against real Keystone, setpass and SMTP is tests/functional/test_activation.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from moc_tui.core.cron.activation import Waiting, not_activated, remind_activation, waiting
from moc_tui.core.journal import Journal
from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.settings import load_settings
from tests.reminder_fakes import FixedStatusSetpass, Outbox, Users, journal_with_registration
from tests.settings_files import write_settings


def test_locked_link_is_not_renewed(tmp_path: Path) -> None:
    journal, settings = journal_with_registration(tmp_path)
    setpass, outbox = FixedStatusSetpass("locked"), Outbox()
    report = remind_activation(settings, journal, setpass, Users(), outbox)
    assert report.not_activated == ["una@example.org"] and outbox.sent == []
    assert setpass.renewed == 0
    assert not_activated(journal)[0].reason == "link locked by wrong PINs"


def test_reminders_are_counted_from_the_outbox_and_the_link_never_stored(tmp_path: Path) -> None:
    journal, settings = journal_with_registration(tmp_path)
    setpass, outbox = FixedStatusSetpass("expired"), Outbox()
    (item,) = waiting(journal)
    assert item == Waiting("access-1", "u1", "una@example.org")
    report = remind_activation(settings, journal, setpass, Users(), outbox)
    assert report.reminded == ["una@example.org"]
    assert "https://setpass.example.org/?token=tok1" in outbox.sent[0].body
    assert "Una Ode" in outbox.sent[0].body
    assert "tok1" not in journal.path.read_bytes().decode("utf-8", "replace")
    # still expired on the next run (the fake never changes): the second and last reminder
    remind_activation(settings, journal, setpass, Users(), outbox)
    remind_activation(settings, journal, setpass, Users(), outbox)
    assert len(outbox.sent) == 2
    assert [r.reminders for r in not_activated(journal)] == [2]


def test_max_reminders_zero_is_off(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path, {"activation": {"max_reminders": "0"}}))
    journal = Journal(settings.state_dir / "journal.sqlite3")
    journal.step_done("access-1", "user", {"user_id": "u1", "name": "una@example.org"})
    journal.step_done("access-1", "setpass", {"registered": True})
    report = remind_activation(settings, journal, FixedStatusSetpass("expired"), Users(), Outbox())
    assert report.reminded == [] and report.not_activated == []


class DiesWhileSending(Outbox):
    """The process dies with the mail handed over, before the journal hears the answer."""

    def send(self, mail: OutgoingMail) -> SendResult:
        super().send(mail)
        raise KeyboardInterrupt


def test_a_reminder_that_may_have_arrived_is_resent_as_its_replacement(tmp_path: Path) -> None:
    journal, settings = journal_with_registration(tmp_path)
    setpass, dying = FixedStatusSetpass("expired"), DiesWhileSending()
    with pytest.raises(KeyboardInterrupt):
        remind_activation(settings, journal, setpass, Users(), dying)
    (held,) = journal.pending_mail("access-1")
    assert held.claimed_by  # claimed before it went to the server
    outbox = Outbox()
    report = remind_activation(settings, journal, setpass, Users(), outbox)
    assert report.reminded == ["una@example.org"] and setpass.renewed == 2
    (first,), (resent,) = dying.sent, outbox.sent
    # the first link died when the second was made: the resend says so, under its own Message-ID
    assert resent.message_id != first.message_id
    assert first.message_id in resent.body and "tok2" in resent.body and "tok1" not in resent.body
    assert journal.mail_status("access-1", "activation_reminder:1") == "sent"
