"""The password-reset ticket mailed to the helpdesk, and the checks on what the visitor typed.

The ticket carries a reset reference, never the PIN (setpass keeps it, hashed; see
`setpass.reset_requests`). A template of the original's with `{pin}` still renders: that field
now says the PIN is not mailed and gives the reference.

The visitor's name and email only ever go into the message body, after validation; the headers
come from the config. `email.message.EmailMessage` would refuse a CR/LF in a header anyway. No
shell, no subprocess: the mail goes out over SMTP with verified STARTTLS (or implicit TLS).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import unicodedata
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from setpass.config import Settings

DEFAULT_TEMPLATE = """\
Password Reset
Priority: High

Name: {name}
Username: {username}
Reset reference: {reference}

The user asked for a new password through the setpass reset form and chose a new PIN there.
The PIN stays with setpass: reset the password with this reference (it works once, for this
user, within 7 days).
"""

MAX_NAME = 128
_LOCAL = r"[A-Za-z0-9_%+][A-Za-z0-9_%+-]*(?:\.[A-Za-z0-9_%+-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"(?P<local>{_LOCAL})@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,63}})")


def clean_name(raw: str) -> str | None:
    """The trimmed name, or None if it has control, format (bidi, zero-width) or line characters."""
    name = raw.strip()
    if not name or len(name) > MAX_NAME:
        return None
    for char in name:
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp"):
            return None
        if char.isspace() and char != " ":
            return None
    return name


def clean_email(raw: str) -> str | None:
    """A plain ASCII address (no quoting, comments, leading dash or path tricks), or None."""
    email = raw.strip()
    if len(email) > 254:
        return None
    match = _EMAIL_RE.fullmatch(email)
    if match is None or len(match["local"]) > 64:
        return None
    return email


def ticket_body(settings: Settings, *, name: str, username: str, reference: str) -> str:
    """The configured template (trusted, from the config) with the visitor's values filled in."""
    template = DEFAULT_TEMPLATE
    if settings.helpdesk_template:
        template = Path(settings.helpdesk_template).read_text(encoding="utf-8")
    # Only the template is parsed for {fields}; the values are inserted literally.
    pin = f"not mailed (kept by setpass); reset reference {reference}"
    return template.format(name=name, username=username, reference=reference, pin=pin)


class MailError(Exception):
    """The ticket could not be handed to the mail server."""


def build_ticket(settings: Settings, *, name: str, username: str, reference: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.ticket_sender
    message["To"] = settings.helpdesk_email
    message["Subject"] = settings.ticket_subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.mail_local_hostname)
    message.set_content(ticket_body(settings, name=name, username=username, reference=reference))
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Deliver over SMTP; the certificate is verified (against mail_ca_file if given)."""
    context = ssl.create_default_context(cafile=settings.mail_ca_file)
    try:
        if settings.mail_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.mail_ip,
                settings.mail_port,
                local_hostname=settings.mail_local_hostname,
                timeout=settings.mail_timeout,
                context=context,
            )
        else:
            client = smtplib.SMTP(
                settings.mail_ip,
                settings.mail_port,
                local_hostname=settings.mail_local_hostname,
                timeout=settings.mail_timeout,
            )
        with client:
            if settings.mail_security == "starttls":
                client.starttls(context=context)
            if settings.mail_username and settings.mail_password:
                client.login(settings.mail_username, settings.mail_password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # the class name only: SMTP replies can echo recipients, never our body, but keep it short
        raise MailError(
            f"mail server {settings.mail_ip}:{settings.mail_port}: {type(exc).__name__}"
        ) from exc
