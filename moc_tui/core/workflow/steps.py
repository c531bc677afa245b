"""Journaled steps and the mail outbox: what makes every workflow resumable after a crash.

Each step is recorded in the journal before the next one starts, so a rerun skips what is done.
An `intent` record is written just before an action whose effect a rerun must recognise (an
object created, quotas about to change), so the rerun knows the effect was its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moc_tui.core.journal import Journal
from moc_tui.core.mail import MailError
from moc_tui.core.ports import MailSender
from moc_tui.core.step_names import Step, mail_label, mail_step
from moc_tui.core.workflow.events import Event, RowWarning, StepDone, StepStarted
from moc_tui.core.workflow.outbox import Payload, send_claimed

__all__ = ["Cancelled", "Payload", "StepFailed", "Steps", "describe", "never"]


class StepFailed(Exception):
    """A step could not be done; the request stops here (its row, if any, stays where it is)."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.message = message


class Cancelled(Exception):
    """The operator asked to stop. Raised between steps, never inside one: what is done is
    journaled, the row stays where it is, and a rerun resumes at `step`."""

    def __init__(self, step: str) -> None:
        super().__init__(f"cancelled by the operator before step {step}")
        self.step = step


def never() -> bool:
    return False


def describe(error: BaseException) -> str:
    """A plain message for the operator; our own errors already are, others get their type."""
    if isinstance(error, MailError | StepFailed) or type(error).__module__.startswith(
        ("moc_tui", "setpass_client")
    ):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass
class Steps:
    """The journaled steps of one request (`key`); `done` is what the journal already holds."""

    journal: Journal
    key: str
    row: int
    emit: Callable[[Event], None]
    done: dict[str, dict[str, Any]]
    operator: str = ""  # when set, every completed step is also an audit record naming them
    cancelled: Callable[[], bool] = field(default=never)  # checked before each new step

    def step(self, name: str, action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run `action` unless the journal has `name`; journal what it returns."""
        if name in self.done:
            self.emit(StepDone(self.row, name, self.done[name], resumed=True))
            return self.done[name]
        if self.cancelled():
            raise Cancelled(name)
        self.emit(StepStarted(self.row, name))
        try:
            data = action()
        except StepFailed:
            raise
        except Exception as error:  # one request's failure never stops the others
            raise StepFailed(name, describe(error)) from error
        self.journal.step_done(self.key, name, data)
        if self.operator:
            self.journal.audit(self.operator, f"step:{name}", self.key, data)
        self.done[name] = data
        self.emit(StepDone(self.row, name, data))
        return data

    def intent(self, name: str, data: dict[str, Any]) -> None:
        """Record what is about to be done, durably, before doing it (never emitted: nothing
        happened yet). The commit carries every record a grouped run left waiting."""
        self.journal.step_done(self.key, name, data)
        self.journal.commit()
        self.done[name] = data

    def queue_mails(self, mails: Mapping[str, Payload]) -> list[str]:
        """Queue `kind -> payload` and mark the step `mails_queued`, all in one transaction."""
        if Step.MAILS_QUEUED in self.done:
            return list(self.done[Step.MAILS_QUEUED].get("kinds", []))
        if self.cancelled():
            raise Cancelled(Step.MAILS_QUEUED)
        kinds = list(mails)
        with self.journal.transaction():
            for kind, payload in mails.items():
                self.journal.enqueue_mail(self.key, kind, payload)
            self.journal.step_done(self.key, Step.MAILS_QUEUED, {"kinds": kinds})
        self.done[Step.MAILS_QUEUED] = {"kinds": kinds}
        self.emit(StepDone(self.row, Step.MAILS_QUEUED, {"kinds": kinds}))
        return kinds

    def send_mails(
        self,
        mailer: MailSender,
        prepare: Callable[[Payload], Payload] = lambda p: p,
        claimer: str = "",
    ) -> None:
        """Send what the outbox holds for this request; failures stay queued for the next run.

        Each mail is claimed first (`Journal.claim_mail`), so two runs never both send it.
        `prepare` turns a stored payload into the one sent (it fills in a link at send time). A
        mail that may have reached the server before (an attempt whose reply was lost, or a run
        that died holding its claim) goes again as it was, same Message-ID, unless it carries a
        link: that one is new, so the message gets its own Message-ID and opens by saying which
        earlier message it replaces (`moc_tui.core.workflow.outbox`). In a grouped run a mail's
        outcome is committed with the next mail's claim (one commit between two mails), and its
        event is emitted after that commit.
        """
        failures: list[str] = []
        sent_events: list[Event] = []  # told once the journal holds their mails as sent

        def announce() -> None:
            for event in sent_events:
                self.emit(event)
            sent_events.clear()

        for item in self.journal.pending_mail(self.key):

            def started(kind: str = item.kind) -> None:  # ours now: no other run sends it
                announce()
                self.emit(StepStarted(self.row, mail_step(kind)))

            try:
                sent = send_claimed(
                    self.journal, item, mailer, prepare, claimer, describe, claimed=started
                )
            except Exception as error:
                failures.append(f"{mail_label(item.kind)} not sent: {describe(error)}")
                continue
            if sent is None:
                continue  # another run claimed it between our read and our claim
            mail, result = sent
            sent_events.append(StepDone(self.row, mail_step(item.kind), {"to": list(mail.to)}))
            for address, reason in result.refused.items():
                sent_events.append(RowWarning(self.row, f"{address} refused: {reason}"))
        self.journal.commit()  # the last mail's outcome, before anything else happens
        announce()
        if failures:
            raise StepFailed(Step.MAIL, "; ".join(failures) + " (kept to send on the next run)")


def link_marker() -> str:
    """A random stand-in for a set-password link: the journal holds this, never the link."""
    return f"[[setpass-link-{secrets.token_hex(12)}]]"


def with_link(payload: Mapping[str, Any], link: str) -> Payload:
    """The payload with its link marker replaced by the real link (at send time only)."""
    marker = payload.get("link_marker")
    body = str(payload["body"])
    return {**payload, "body": body.replace(marker, link) if marker else body}
