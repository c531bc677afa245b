"""Mail: templates with `<UPPERCASE_KEY>` placeholders, messages, and sending over SMTP."""

from moc_tui.core.mail.message import OutgoingMail, build_message
from moc_tui.core.mail.smtp import Mailer, MailError
from moc_tui.core.mail.templates import fill_placeholders

__all__ = ["MailError", "Mailer", "OutgoingMail", "build_message", "fill_placeholders"]
