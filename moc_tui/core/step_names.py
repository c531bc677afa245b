"""The names of the journaled steps of every workflow, and the words an operator sees for each.

A step's value is the string the journal stores (older journals hold the same strings), so it
never changes; what screens and messages show is its label (`step_label`). Mails sent are steps
named `mail:<kind>` (`mail:added:<user>` for an additional user, `mail:<kind>:<n>` for the n-th
reminder). Pure: the TUI imports it.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    """A journaled step (or the stage a failure is recorded at); the value is the journal's."""

    VALIDATE = "validate"
    PROJECT_INTENT = "project_intent"
    PROJECT = "project"
    QUOTA_INTENT = "quota_intent"
    QUOTAS = "quotas"
    USER_INTENT = "user_intent"
    USER = "user"
    MEMBER = "member"
    EXTRA_USERS = "extra_users"
    SETPASS = "setpass"
    PASSWORD = "password"  # noqa: S105 (a step name)
    MAILS_QUEUED = "mails_queued"
    MAIL = "mail"
    SHEET = "sheet"
    OPEN = "open"
    CLOSED = "closed"
    CONFIRM = "confirm"
    NOTIFY = "notify"
    ACTIVATED = "activated"
    NOT_ACTIVATED = "not_activated"

    @property
    def label(self) -> str:
        """The step in the operator's words."""
        return _LABELS[self]


_LABELS = {
    Step.VALIDATE: "checking the row",
    Step.PROJECT_INTENT: "creating the project",
    Step.PROJECT: "project",
    Step.QUOTA_INTENT: "changing the quotas",
    Step.QUOTAS: "quotas",
    Step.USER_INTENT: "creating the user",
    Step.USER: "user account",
    Step.MEMBER: "project role",
    Step.EXTRA_USERS: "additional users",
    Step.SETPASS: "set-password registration",
    Step.PASSWORD: "new password",
    Step.MAILS_QUEUED: "mails written",
    Step.MAIL: "sending mail",
    Step.SHEET: "sheet move",
    Step.OPEN: "reset opened",
    Step.CLOSED: "reset closed",
    Step.CONFIRM: "confirmation",
    Step.NOTIFY: "helpdesk ticket",
    Step.ACTIVATED: "password set by the user",
    Step.NOT_ACTIVATED: "never activated",
}
MAIL_PREFIX = "mail:"
MAIL_LABELS = {
    "welcome": "welcome mail",
    "password": "set-password mail",
    "new_project": "new-project mail",
    "added": "added-to-project mail",
    "quota": "quota mail",
    "password_reset": "password-reset mail",
    "activation_reminder": "activation reminder",
}


def mail_step(kind: str) -> str:
    """The step recorded when the mail of outbox kind `kind` is sent."""
    return f"{MAIL_PREFIX}{kind}"


def mail_label(kind: str) -> str:
    """Words for an outbox kind: `added:bob@x` -> "added-to-project mail to bob@x"."""
    base, _, detail = kind.partition(":")
    words = MAIL_LABELS.get(base, base.replace("_", " ") + " mail")
    if not detail:
        return words
    return f"{words} {detail}" if detail.isdigit() else f"{words} to {detail}"


def step_label(name: str) -> str:
    """What the operator reads for a step name from the journal, an event or an error record."""
    if name.startswith(MAIL_PREFIX):
        return mail_label(name.removeprefix(MAIL_PREFIX)) + " sent"
    try:
        return Step(name).label
    except ValueError:
        return name.replace("_", " ")


def steps_label(names: list[str] | tuple[str, ...]) -> str:
    return ", ".join(step_label(n) for n in names)


# audit actions whose name is not already the operator's word (`Journal.REKEYED` among them)
ACTION_LABELS = {"rekeyed": "key changed, earlier records kept", "ack-error": "error acknowledged"}


def action_label(action: str) -> str:
    """An audit record's action in words: `step:user` -> "user account done"."""
    if action.startswith("step:"):
        return step_label(action.removeprefix("step:")) + " done"
    return ACTION_LABELS.get(action, action.replace("_", " "))
