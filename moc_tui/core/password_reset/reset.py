"""Reset a user's password: a new random password registered with setpass FIRST, then set in
Keystone, then the link mailed to the address Keystone holds (never one typed by anyone).

The order fixes the original's: a setpass failure leaves the user's current password working.

The PIN. The user chose it on setpass's reset form; setpass keeps it (hashed) and the ticket
carries a reset *reference*, which the operator gives here: setpass binds the new link to the
stored PIN (`SetpassClient.redeem`), so no operator ever sees the PIN. setpass refuses a
reference that is unknown, used, expired or filed for another user. The older way, a PIN typed
by the operator, remains for the CLI only (`pin=`): tickets of the original form carry a PIN.

Resuming. A user has at most one *open* reset: the journal key `reset-user-<user id>` points at
it (step `open`). A rerun for that user (after a crash, a setpass or mail failure) resumes it:
steps journaled as done are not redone, and the link is minted at send time with the reference
(or PIN) of the latest run, so exactly one mail is sent and its link works with that PIN. The
reset closes once its mail is sent; the next reset of that user is a new one, but within
`CONFIRM_WINDOW` of the last one it is refused until confirmed (`again=True`): a rerun after a
kill between "closed" and the success line must not mail the user twice. An open reset older than
`RESUME_WINDOW` is not resumed but replaced (setpass may have purged its registration, and the
user has surely asked again). What is journaled: the user's
id, name and address, and which steps are done; never the PIN, the reference, the password, the
token or the link (the queued mail holds a random marker where the link goes).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from moc_tui.core.cloud.models import User
from moc_tui.core.identifiers import email_problems, pin_problems
from moc_tui.core.journal import Journal
from moc_tui.core.mail import build_message
from moc_tui.core.mail.templates import load_template
from moc_tui.core.ports import Cloud, MailSender, Setpass
from moc_tui.core.secrets_gen import random_password
from moc_tui.core.settings import Settings
from moc_tui.core.text import visible
from moc_tui.core.workflow import StepFailed, Steps, describe, link_marker, with_link
from moc_tui.core.workflow.events import Event
from moc_tui.core.workflow.keys import request_key
from moc_tui.core.workflow.steps import Payload

SECTION = "password_reset_email"
KIND = "password_reset"
NO_ROW = 0
RESUME_WINDOW = timedelta(hours=24)
CONFIRM_WINDOW = timedelta(minutes=15)


@dataclass
class ResetContext:
    settings: Settings
    cloud: Cloud
    setpass: Setpass
    mailer: MailSender
    journal: Journal
    operator: str
    emit: Callable[[Event], None] = lambda event: None
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class ResetResult:
    """How a reset ended; `mailed_to` is the address on file the link went to."""

    username: str
    ok: bool
    request_key: str | None = None
    mailed_to: str | None = None
    resumed: bool = False
    step: str | None = None
    message: str = ""
    needs_confirmation: bool = False  # a reset of this user closed minutes ago: ask, then again


def open_key(user_id: str) -> str:
    return f"reset-user-{user_id}"


class _Refused(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.message = message


@dataclass(frozen=True)
class PinSource:
    """Where the link's PIN comes from: a ticket's reference (setpass holds the PIN) or, the
    CLI's older way, a PIN the operator typed."""

    reference: str | None = None
    pin: str | None = field(default=None, repr=False)

    def problems(self) -> list[str]:
        if (self.reference is None) == (self.pin is None):
            return ["give the reset reference from the ticket"]
        if self.reference is not None:
            # here: importing setpass_client loads its HTTP client (keystoneauth, requests),
            # which the backend's start-up does not need
            from setpass_client.reference import reference_problems

            return reference_problems(self.reference)
        return ["the PIN must be exactly four digits 0-9"] if pin_problems(str(self.pin)) else []

    def mint(self, setpass: Setpass, user_id: str, password: str | None) -> str:
        if self.reference is not None:
            from setpass_client.reference import normalize

            return setpass.redeem(user_id, password, str(normalize(self.reference)))
        return setpass.register(user_id, password, self.pin)


def _check_user(ctx: ResetContext, username: str, source: PinSource) -> User:
    """Everything that can refuse the reset, before anything is changed or journaled."""
    if problems := source.problems():
        raise _Refused("validate", "; ".join(problems))
    try:
        found = ctx.cloud.find_user(username)
        if found is None:
            domain = ctx.settings.auth.project_domain
            raise _Refused("user", f"no user named {username!r} in domain {domain!r}")
        if ctx.cloud.is_admin_user(found):
            raise _Refused(
                "user",
                f"user {found.name!r} is an administrator or a reserved account; its password "
                "is never reset through the helpdesk",
            )
        user = ctx.cloud.get_user(found.id)
    except _Refused:
        raise
    except Exception as error:
        raise _Refused("user", describe(error)) from error
    if not user.enabled:
        raise _Refused("user", f"user {user.name!r} is disabled; enable it first")
    if not user.email:
        raise _Refused(
            "user",
            f"user {user.name!r} has no email address stored in Keystone, so the link has "
            "nowhere to go; set it in Keystone first (the link never goes to a typed address)",
        )
    if email_problems(user.email):
        raise _Refused(
            "user",
            f"the address stored for {user.name!r} is not usable: "
            + "; ".join(email_problems(user.email)),
        )
    return user


def _pointer(ctx: ResetContext, user: User) -> dict[str, Any]:
    """The user's open reset (`key`, `opened`) and the last closed one (`closed_at`, ...)."""
    return dict(ctx.journal.steps(open_key(user.id)).get("open", {}))


def _recent(ctx: ResetContext, user: User, pointer: dict[str, Any]) -> str | None:
    """Why to ask first, when a reset of this user closed less than CONFIRM_WINDOW ago."""
    if pointer.get("key") or not pointer.get("closed_at"):
        return None
    age = ctx.now() - datetime.fromisoformat(str(pointer["closed_at"]))
    if not timedelta(0) <= age < CONFIRM_WINDOW:
        return None
    minutes = int(age.total_seconds() // 60)
    when = "less than a minute" if minutes < 1 else f"{minutes} minute{'s' * (minutes != 1)}"
    return (
        f"the password of {user.name} was reset {when} ago by {pointer.get('by') or '?'} (link "
        f"mailed to {pointer.get('mailed_to') or '?'}); another reset mails the user again and "
        "that link stops working"
    )


def _open(ctx: ResetContext, user: User, pointer: dict[str, Any]) -> tuple[str, bool]:
    """The user's open reset (resumed) or a new one."""
    now = ctx.now()
    if pointer.get("key"):
        opened = datetime.fromisoformat(str(pointer.get("opened") or now.isoformat()))
        if now - opened <= RESUME_WINDOW:
            return str(pointer["key"]), True
        ctx.journal.audit(ctx.operator, "reset-password-replaced", str(pointer["key"]), {})
    started = now.isoformat(timespec="seconds")
    key = request_key("reset", f"{started} {secrets.token_hex(4)}", user.name)
    with ctx.journal.transaction():
        ctx.journal.step_done(open_key(user.id), "open", {**pointer, "key": key, "opened": started})
        ctx.journal.step_done(key, "user", {"user_id": user.id, "name": user.name})
    return key, False


def _close(ctx: ResetContext, user: User, key: str, mailed_to: str | None) -> None:
    """No reset open for the user; a mailed one is remembered for CONFIRM_WINDOW."""
    pointer = {k: v for k, v in _pointer(ctx, user).items() if k not in ("key", "opened")}
    if mailed_to is not None:
        closed = ctx.now().isoformat(timespec="seconds")
        pointer.update(closed_at=closed, mailed_to=mailed_to, by=ctx.operator, closed=key)
    with ctx.journal.transaction():
        if mailed_to is not None:
            ctx.journal.step_done(key, "closed", {})
        ctx.journal.step_done(open_key(user.id), "open", {**pointer, "key": None})


def _compose(ctx: ResetContext, user: User, address: str) -> Payload:
    section = ctx.settings.emails[SECTION]
    marker = link_marker()
    mail = build_message(
        section,
        load_template(section),
        ctx.settings.email_defaults,
        {
            "FULLNAME": user.description or user.name,
            "USERNAME": user.name,
            "EMAIL": address,
            "SETPASS_TOKEN_URL": marker,
        },
        [address],
    )
    # the link goes to the user alone, whatever cc the section names
    mail = replace(mail, cc=())
    return {**mail.to_payload(), "link_marker": marker, "setpass_user_id": user.id}


def _run(ctx: ResetContext, steps: Steps, user: User, source: PinSource, address: str) -> None:
    passwords: dict[str, str] = {}

    def register() -> dict[str, Any]:
        passwords[user.id] = random_password()
        ctx.tokens[user.id] = source.mint(ctx.setpass, user.id, passwords[user.id])
        return {"registered": True}

    def set_password() -> dict[str, Any]:
        password = passwords.pop(user.id, None)
        if password is None:
            # resumed after a crash: the registered password is lost, so register a new one
            register()
            password = passwords.pop(user.id)
        ctx.cloud.set_password(user.id, password)
        return {"changed": True}

    def prepare(payload: Payload) -> Payload:
        user_id = str(payload["setpass_user_id"])
        token = ctx.tokens.pop(user_id, None) or source.mint(ctx.setpass, user_id, None)
        return with_link(payload, ctx.setpass.link(token))

    if "password" not in steps.done:
        steps.step("setpass", register)
    steps.step("password", set_password)
    if "mails_queued" not in steps.done:
        steps.queue_mails({KIND: _compose(ctx, user, address)})
    steps.send_mails(ctx.mailer, prepare)


def reset_password(
    ctx: ResetContext,
    username: str,
    *,
    reference: str | None = None,
    pin: str | None = None,
    again: bool = False,
) -> ResetResult:
    """Reset `username`'s password; the link's PIN is the one filed under the ticket's
    `reference` (or a typed `pin`, never stored or shown). `again` confirms a reset of a user
    whose last reset closed less than CONFIRM_WINDOW ago."""
    name = username.strip()
    source = PinSource(reference=reference, pin=pin)
    try:
        user = _check_user(ctx, name, source)
    except _Refused as refused:
        ctx.journal.record_error(ctx.operator, refused.message, email=name, step=refused.step)
        ctx.journal.audit(
            ctx.operator, "reset-password-refused", None, {"user": visible(name, 100)}
        )
        return ResetResult(name, False, step=refused.step, message=refused.message)
    pointer = _pointer(ctx, user)
    if not again and (recent := _recent(ctx, user, pointer)) is not None:
        return ResetResult(
            user.name, False, step="confirm", message=recent, needs_confirmation=True
        )
    address = str(user.email)
    key, resumed = _open(ctx, user, pointer)
    ctx.journal.audit(ctx.operator, "reset-password", key, {"user": user.name, "resumed": resumed})
    steps = Steps(ctx.journal, key, NO_ROW, ctx.emit, ctx.journal.steps(key), ctx.operator)
    try:
        _run(ctx, steps, user, source, address)
    except StepFailed as failure:
        ctx.journal.record_error(
            ctx.operator, failure.message, request_key=key, email=user.name, step=failure.step
        )
        ctx.journal.audit(
            ctx.operator, "reset-password-failed", key, {"user": user.name, "step": failure.step}
        )
        if failure.step == "setpass":
            # nothing changed in Keystone (a refused reference, setpass down): not left open
            _close(ctx, user, key, None)
            return ResetResult(user.name, False, step=failure.step, message=failure.message)
        return ResetResult(
            user.name, False, key, None, resumed, step=failure.step, message=failure.message
        )
    _close(ctx, user, key, address)
    ctx.journal.audit(ctx.operator, "reset-password-done", key, {"mailed_to": address})
    return ResetResult(user.name, True, key, address, resumed)
