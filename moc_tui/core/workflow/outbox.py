"""Sending one outbox mail: claimed first, recorded after, a maybe-delivered resend marked.

Every mail a workflow or a cron job sends goes through `send_claimed`, so each is claimed in
the journal before it reaches the server (`Journal.claim_mail`: no two runs send it) and a
mail that may have arrived before is resent the one honest way (`superseding`).
"""

from __future__ import annotations

import html
import os
import secrets
from collections.abc import Callable, Mapping
from email.utils import make_msgid
from typing import Any

from moc_tui.core.journal import Journal, OutboxItem
from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.ports import MailSender

Payload = dict[str, Any]

# Who claims outbox items in this process (a pid alone could be reused after a crash).
RUN_ID = f"{os.getpid()}-{secrets.token_hex(6)}"


def unchanged(payload: Payload) -> Payload:
    return payload


def may_have_arrived(item: OutboxItem) -> bool:
    """An earlier attempt reached the server, or a run died holding the claim (it may have)."""
    return bool(item.attempts or item.claimed_by)


def nothing() -> None:
    return None


def send_claimed(
    journal: Journal,
    item: OutboxItem,
    mailer: MailSender,
    prepare: Callable[[Payload], Payload] = unchanged,
    claimer: str = "",
    describe: Callable[[Exception], str] = str,
    claimed: Callable[[], None] = nothing,
) -> tuple[OutgoingMail, SendResult] | None:
    """Claim `item`, send it and record the outcome; None when another run claimed it first.

    `prepare` turns the stored payload into the one sent (it fills in a link at send time); it
    runs after the claim, so a link is renewed only by the run that sends it. A failure is
    recorded in `describe`'s words (the mail stays queued) and raised to the caller.

    The claim is committed before the server sees the mail, and with it whatever the journal
    held waiting (in a grouped run, the outcome of the mail sent before this one); `claimed` is
    called then, when those outcomes are durable. This mail's outcome (with its attempt) waits in
    a grouped run for the next commit, which the caller makes before anything else happens:
    the next mail's claim, or its own `Journal.commit()`.
    """
    replacement = superseding(item.payload) if may_have_arrived(item) else None
    if not journal.claim_mail(item, claimer or RUN_ID, replacement):
        return None
    claimed()
    try:
        mail = OutgoingMail.from_payload(prepare(replacement or item.payload))
        journal.mail_attempt(item.id)
        result = mailer.send(mail)
    except Exception as error:
        journal.mail_failed(item.id, describe(error))
        raise
    journal.mail_sent(item.id)
    return mail, result


def superseding(payload: Mapping[str, Any]) -> Payload | None:
    """The payload of a resend whose content differs (a new link): a new Message-ID, and a first
    paragraph naming the message it replaces. None when the resend is the same message."""
    if not payload.get("link_marker"):
        return None
    replaced = [*payload.get("replaces", []), str(payload["message_id"])]
    original = str(payload.get("original_body", payload["body"]))
    note = (
        "This message replaces an earlier one (Message-ID "
        + ", ".join(replaced)
        + ") that may have reached you: its set-password link no longer works; use this one."
    )
    body = (
        f"<p>{html.escape(note)}</p>\n{original}"
        if payload.get("html")
        else f"{note}\n\n{original}"
    )
    return {
        **payload,
        "message_id": make_msgid(domain="moc-tui.invalid"),
        "replaces": replaced,
        "original_body": original,
        "body": body,
    }
