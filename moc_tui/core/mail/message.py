"""Build one message from a settings section, a template and the request's values.

Headers are set through `email.message.EmailMessage`, which refuses CR/LF in a header value, and
every address was validated before it got here; the subject's `{project}` is replaced literally
(never `str.format`, which would let a project name reach attributes).

Every message carries `Date` (set when it is handed to the server, as RFC 5322 asks) and
`Message-ID`; an HTML body goes out as multipart/alternative with a text/plain part made from it.
Runtime values are one line each (line breaks and control characters shown as escapes, as on
screen) unless the caller names them as multi-line: a name typed with a line break cannot add
lines to the body.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from moc_tui.core.mail.html_text import html_to_text
from moc_tui.core.mail.templates import (
    MULTILINE_PLACEHOLDERS,
    fill_placeholders,
    one_line,
    one_line_values,
    placeholder_values,
)
from moc_tui.core.settings import EmailSettings


@dataclass(frozen=True)
class OutgoingMail:
    """Everything needed to send one message later (kept in the outbox until it is sent)."""

    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    html: bool
    message_id: str = field(default_factory=lambda: make_msgid(domain="moc-tui.invalid"))

    def to_payload(self) -> dict[str, Any]:
        """A JSON-able form for the journal's outbox."""
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutgoingMail:
        fields = {f.name for f in dataclass_fields(cls)}
        values = {k: v for k, v in payload.items() if k in fields}
        values["to"] = tuple(values["to"])
        values["cc"] = tuple(values["cc"])
        return cls(**values)

    def recipients(self) -> list[str]:
        """Envelope recipients: each address once, in order (the original sent cc as one
        invalid string)."""
        return list(dict.fromkeys(a.lower() for a in (*self.to, *self.cc)))

    def to_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        if self.cc:
            message["Cc"] = ", ".join(self.cc)
        message["Subject"] = self.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = self.message_id
        if self.html:
            message.set_content(html_to_text(self.body), subtype="plain")
            message.add_alternative(self.body, subtype="html")
        else:
            message.set_content(self.body, subtype="plain")
        return message


def build_message(
    section: EmailSettings,
    template: str,
    defaults: Mapping[str, str],
    values: Mapping[str, str],
    to: Sequence[str],
    *,
    subject_project: str = "",
    extra_cc: Sequence[str] = (),
    raw_html: Mapping[str, str] | None = None,
    multiline: Collection[str] = MULTILINE_PLACEHOLDERS,
) -> OutgoingMail:
    """Fill `template` from `[email_defaults]` < the section's own keys < runtime `values`.

    Runtime `values` are made one line each (`one_line`) except the keys in `multiline`.
    `raw_html` holds placeholders whose values are HTML the caller built (and escaped) itself;
    they are inserted unescaped and win over every other layer, so a settings key or a form
    value can never smuggle raw HTML in under their names.
    """
    is_html = section.formatting == "html"
    raw = dict(raw_html or {})
    runtime = one_line_values(values, multiline)
    merged = {**placeholder_values(defaults, section.placeholders, runtime), **raw}
    sender = section.sender or defaults.get("sender") or "root@localhost"
    subject = section.subject.replace("{project}", one_line(subject_project))
    recipients = {a.lower() for a in to}
    cc = tuple(
        dict.fromkeys(a for a in (*section.cc_list, *extra_cc) if a.lower() not in recipients)
    )
    return OutgoingMail(
        sender=sender,
        to=tuple(to),
        cc=cc,
        subject=subject,
        body=fill_placeholders(template, merged, html_body=is_html, raw=raw.keys()),
        html=is_html,
    )
