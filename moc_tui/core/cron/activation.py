"""Activation reminders: users who never chose their password get a renewed link, a few times.

Provisioning journals step "setpass" for every user it registered (user id in step "user").
For each such request not yet settled, the setpass service says whether the registration is
still waiting. Expired: renew the link (PUT again, keeping password and PIN) and mail it, at most
`[activation] max_reminders` times. After that, or when the link is locked by wrong PINs, the
request is recorded as not activated (step "not_activated") for the helpdesk to see. No record
at all: the user set their password (setpass deletes the record then): step "activated".

Exactly once: each reminder is an outbox mail keyed (request, "activation_reminder:<n>"), queued
with a marker where the link goes, and claimed in the outbox before it is sent, as provisioning
mails are (`moc_tui.core.workflow.outbox`); the link is made (and the old one invalidated) only
by the run that claimed the mail, at sending, and never written anywhere. Like every message it
carries a Message-ID (kept in the outbox) and a Date (set at sending).

Caveat: `setpass purge` deletes expired registrations; a purged one looks like an activated user.
Run this job more often than the purge, or purge with a delay longer than the reminders need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from moc_tui.core.cloud.models import User
from moc_tui.core.journal import Journal
from moc_tui.core.locks import Busy, Locks
from moc_tui.core.mail import build_message
from moc_tui.core.mail.templates import load_template
from moc_tui.core.ports import Cloud, MailSender, Setpass
from moc_tui.core.settings import Settings
from moc_tui.core.workflow.keys import user_lock_key
from moc_tui.core.workflow.outbox import send_claimed
from moc_tui.core.workflow.steps import link_marker, with_link

SECTION = "activation_reminder_email"
KIND = "activation_reminder"
ACTIVATED, NOT_ACTIVATED = "activated", "not_activated"
OPERATOR = "cron"


@dataclass(frozen=True)
class Waiting:
    """A provisioned request whose user had a set-password link, not settled yet."""

    request_key: str
    user_id: str
    username: str


@dataclass(frozen=True)
class NotActivated:
    """A request the helpdesk should follow up: the user never set a password."""

    request_key: str
    user_id: str
    username: str
    reminders: int
    reason: str
    at: str


@dataclass
class ActivationReport:
    reminded: list[str] = field(default_factory=list)
    activated: list[str] = field(default_factory=list)
    not_activated: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # held by another run: the next pass does it

    @property
    def ok(self) -> bool:
        return not self.problems


def waiting(journal: Journal) -> list[Waiting]:
    """Requests with a setpass registration and neither "activated" nor "not_activated"."""
    found = []
    for record in journal.with_step("setpass", without=(ACTIVATED, NOT_ACTIVATED)):
        user = journal.steps(record.request_key).get("user")
        if user is not None:
            found.append(
                Waiting(record.request_key, str(user["user_id"]), str(user.get("name", "")))
            )
    return found


def not_activated(journal: Journal) -> list[NotActivated]:
    """Every request recorded as not activated, oldest first (for the TUI and the backend)."""
    return [
        NotActivated(
            record.request_key,
            str(record.data.get("user_id", "")),
            str(record.data.get("username", "")),
            int(record.data.get("reminders", 0)),
            str(record.data.get("reason", "")),
            record.at,
        )
        for record in journal.with_step(NOT_ACTIVATED)
    ]


def _compose(settings: Settings, user: User) -> dict[str, Any]:
    section = settings.emails[SECTION]
    marker = link_marker()
    values = {
        "FULLNAME": user.description or user.name,
        "USERNAME": user.name,
        "EMAIL": user.email or user.name,
        "SETPASS_TOKEN_URL": marker,
    }
    mail = build_message(
        section, load_template(section), settings.email_defaults, values, [user.email or user.name]
    )
    return {**mail.to_payload(), "cc": [], "link_marker": marker, "setpass_user_id": user.id}


@dataclass
class ActivationRun:
    settings: Settings
    journal: Journal
    setpass: Setpass
    users: Cloud
    mailer: MailSender
    report: ActivationReport

    def sent_count(self, key: str) -> tuple[int, int | None]:
        """Reminders sent for a request, and the number of one queued but not sent."""
        sent, pending = 0, None
        for n in range(1, self.settings.activation.max_reminders + 1):
            status = self.journal.mail_status(key, f"{KIND}:{n}")
            if status == "sent":
                sent += 1
            elif status == "pending" and pending is None:
                pending = n
        return sent, pending

    def settle(self, item: Waiting, step: str, data: dict[str, Any]) -> None:
        with self.journal.transaction():
            self.journal.step_done(item.request_key, step, {"user_id": item.user_id, **data})
            self.journal.audit(OPERATOR, step.replace("_", "-"), item.request_key, data)

    def one(self, item: Waiting) -> None:
        state = self.setpass.status(item.user_id)
        if state is None:
            self.settle(item, ACTIVATED, {"username": item.username})
            self.report.activated.append(item.username)
            return
        if state == "pending":
            return
        sent, pending = self.sent_count(item.request_key)
        limit = self.settings.activation.max_reminders
        if state == "locked" or (pending is None and sent >= limit):
            reason = "link locked by wrong PINs" if state == "locked" else "link expired unused"
            data = {"username": item.username, "reminders": sent, "reason": reason}
            self.settle(item, NOT_ACTIVATED, data)
            self.report.not_activated.append(item.username)
            return
        if pending is None:
            pending = sent + 1
            payload = _compose(self.settings, self.users.get_user(item.user_id))
            self.journal.enqueue_mail(item.request_key, f"{KIND}:{pending}", payload)
        self.flush(item, f"{KIND}:{pending}")

    def flush(self, item: Waiting, kind: str) -> None:
        """Send the queued reminder, claimed first; its link is renewed only now, by the sender."""

        def prepare(payload: dict[str, Any]) -> dict[str, Any]:
            return with_link(payload, self.setpass.link(self.setpass.renew(item.user_id)))

        for queued in self.journal.pending_mail(item.request_key):
            if queued.kind != kind:
                continue
            if send_claimed(self.journal, queued, self.mailer, prepare) is None:
                continue  # another run claimed it between our read and our claim
            self.journal.audit(OPERATOR, "activation-reminder", item.request_key, {"kind": kind})
            self.report.reminded.append(item.username)


def remind_activation(
    settings: Settings,
    journal: Journal,
    setpass: Setpass,
    users: Cloud,
    mailer: MailSender,
    only: Sequence[Waiting] | None = None,
) -> ActivationReport:
    """One pass over every unsettled registration; a failure on one never stops the others."""
    report = ActivationReport()
    if settings.activation.max_reminders == 0:
        return report
    run = ActivationRun(settings, journal, setpass, users, mailer, report)
    locks = Locks(settings.state_dir / "locks", OPERATOR)
    for item in waiting(journal) if only is None else only:
        try:
            # a renewed link kills the one a provisioning or reset run may be mailing right now
            with locks.hold([item.request_key, user_lock_key(item.username)]):
                run.one(item)
        except Busy as busy:
            report.busy.append(f"{item.username}: {busy}")
        except Exception as error:
            message = f"activation reminder for {item.username}: {error}"
            report.problems.append(message)
            journal.record_error(
                OPERATOR, message, request_key=item.request_key, email=item.username, step=KIND
            )
    return report
