"""Fakes for the activation-reminder cron: setpass answering one fixed status, one Keystone
user, an outbox that keeps the mails, and a real journal holding one registration.

Shared by the reminder tests and the lock tests that run the reminders beside a provisioning
run; the real setpass, Keystone and SMTP versions are in the functional tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from moc_tui.core.cloud.models import User
from moc_tui.core.journal import Journal
from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.settings import load_settings
from tests.port_fakes import UnusedCloud, UnusedSetpass
from tests.settings_files import write_settings


class FixedStatusSetpass(UnusedSetpass):
    """Answers `status` with one fixed state (None: never registered); renewing counts and hands
    out tok1, tok2, ... (`provision_fakes.FakeSetpass` keeps a record and a token per user)."""

    def __init__(self, state: str | None) -> None:
        self.state = state
        self.renewed = 0

    def status(self, user_id: str) -> str | None:
        return self.state

    def renew(self, user_id: str) -> str:
        self.renewed += 1
        return f"tok{self.renewed}"

    def link(self, token: str) -> str:
        return f"https://setpass.example.org/?token={token}"


class Users(UnusedCloud):
    def get_user(self, user_id: str) -> User:
        return User(user_id, "una@example.org", "una@example.org", "Una Ode")


class Outbox:
    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []

    def send(self, mail: OutgoingMail) -> SendResult:
        self.sent.append(mail)
        return SendResult({})


def journal_with_registration(tmp_path: Path) -> tuple[Journal, Any]:
    settings = load_settings(write_settings(tmp_path))
    journal = Journal(settings.state_dir / "journal.sqlite3")
    journal.step_done("access-1", "user", {"user_id": "u1", "name": "una@example.org"})
    journal.step_done("access-1", "setpass", {"registered": True})
    journal.step_done("access-2", "user", {"user_id": "u2", "name": "old@example.org"})
    return journal, settings
