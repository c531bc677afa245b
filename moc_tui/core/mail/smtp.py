"""Send mail over SMTP as `[smtp]` says: STARTTLS or implicit TLS with a verified certificate.

The original connected to 127.0.0.1:25, required STARTTLS without checking the certificate and
never said QUIT. Here the certificate is verified (system CAs or `ca_file`), the login is used
when configured, and a recipient the server refuses is reported, not fatal, like the original.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass

from moc_tui.core.mail.message import OutgoingMail
from moc_tui.core.settings import SmtpSecurity, SmtpSettings


class MailError(Exception):
    """The message was not sent; the text says why in plain words."""


@dataclass(frozen=True)
class SendResult:
    refused: dict[str, str]


class Mailer:
    """One SMTP connection per `send`: cron jobs and provisioning send a handful of messages."""

    def __init__(self, settings: SmtpSettings, local_hostname: str = "localhost") -> None:
        self.settings = settings
        # Passed explicitly: smtplib would otherwise resolve this machine's own name for EHLO.
        self.local_hostname = local_hostname

    def _context(self) -> ssl.SSLContext:
        cafile = str(self.settings.ca_file) if self.settings.ca_file else None
        return ssl.create_default_context(cafile=cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security is SmtpSecurity.TLS:
            return smtplib.SMTP_SSL(
                s.host,
                s.port,
                local_hostname=self.local_hostname,
                timeout=s.timeout,
                context=self._context(),
            )
        smtp = smtplib.SMTP(s.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout)
        if s.security is SmtpSecurity.STARTTLS:
            smtp.starttls(context=self._context())
        return smtp

    def send(self, mail: OutgoingMail) -> SendResult:
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            with self._connect() as smtp:
                if s.username and s.password:
                    smtp.login(s.username, s.password)
                refused = smtp.send_message(
                    mail.to_message(), from_addr=mail.sender, to_addrs=mail.recipients()
                )
        except smtplib.SMTPRecipientsRefused as error:
            raise MailError(f"the mail server {where} refused every recipient") from error
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(f"the mail server {where} refused the [smtp] login") from error
        except ssl.SSLCertVerificationError as error:
            raise MailError(
                f"the mail server {where} has a certificate that cannot be verified "
                f"({error.verify_message}); set [smtp] ca_file"
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"could not send mail through {where}: {error}") from error
        return SendResult({addr: f"{code} {text!r}" for addr, (code, text) in refused.items()})
