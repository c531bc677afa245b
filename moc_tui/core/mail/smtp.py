"""Send mail over SMTP as `[smtp]` says: STARTTLS or implicit TLS with a verified certificate.

The original connected to 127.0.0.1:25 for every message, required STARTTLS without checking the
certificate and never said QUIT. Here the certificate is verified (system CAs or `ca_file`), the
login is used when configured, and a recipient the server refuses is reported, not fatal, like
the original.

A run owns the connection: inside `with mailer.connection():` every `send` goes over one SMTP
connection (one TLS handshake, one login), opened at the first message and closed with QUIT at
the end. Before a message goes over a connection already used, a NOOP checks that the session
is still there (the server drops idle sessions); if it has gone, a fresh connection carries the
message. A message whose sending failed part-way is never sent again here: the server may have
stored it before the reply was lost, so that is the caller's MailError and the outbox (which
claimed the mail) decides, once. Outside such a block each `send` opens and closes its own
connection.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from moc_tui.core.mail.message import OutgoingMail
from moc_tui.core.settings import SmtpSecurity, SmtpSettings


class MailError(Exception):
    """The message was not sent; the text says why in plain words."""


@dataclass(frozen=True)
class SendResult:
    refused: dict[str, str]


# A held connection whose NOOP fails with one of these has gone away: open a new one.
_GONE = (smtplib.SMTPException, OSError)


class Mailer:
    """SMTP transport; one connection per `connection()` block, or per `send` outside one."""

    def __init__(self, settings: SmtpSettings, local_hostname: str = "localhost") -> None:
        self.settings = settings
        # Passed explicitly: smtplib would otherwise resolve this machine's own name for EHLO.
        self.local_hostname = local_hostname
        self._lock = threading.RLock()
        self._held = 0  # open connection() blocks
        self._smtp: smtplib.SMTP | None = None
        self.connections_opened = 0  # for benches and tests: connections made so far

    def _context(self) -> ssl.SSLContext:
        cafile = str(self.settings.ca_file) if self.settings.ca_file else None
        return ssl.create_default_context(cafile=cafile)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        self.connections_opened += 1
        if s.security is SmtpSecurity.TLS:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host,
                s.port,
                local_hostname=self.local_hostname,
                timeout=s.timeout,
                context=self._context(),
            )
        else:
            smtp = smtplib.SMTP(
                s.host, s.port, local_hostname=self.local_hostname, timeout=s.timeout
            )
        try:
            if s.security is SmtpSecurity.STARTTLS:
                smtp.starttls(context=self._context())
            if s.username and s.password:
                smtp.login(s.username, s.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    @contextmanager
    def connection(self) -> Iterator[Mailer]:
        """Keep one connection for every `send` in the block (opened lazily, QUIT at the end)."""
        with self._lock:
            self._held += 1
        try:
            yield self
        finally:
            with self._lock:
                self._held -= 1
                if self._held == 0:
                    self._close()

    def _close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def _deliver(self, smtp: smtplib.SMTP, mail: OutgoingMail) -> dict[str, tuple[int, bytes]]:
        return smtp.send_message(
            mail.to_message(), from_addr=mail.sender, to_addrs=mail.recipients()
        )

    def _send_held(self, mail: OutgoingMail) -> dict[str, tuple[int, bytes]]:
        if self._smtp is not None and not _alive(self._smtp):
            self._close()
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            return self._deliver(self._smtp, mail)
        except smtplib.SMTPRecipientsRefused:
            with suppress(smtplib.SMTPException, OSError):
                self._smtp.rset()  # the session stays usable for the next message
            raise
        except BaseException:
            self._close()  # state unknown: the next message gets a fresh connection
            raise

    def _send_once(self, mail: OutgoingMail) -> dict[str, tuple[int, bytes]]:
        smtp = self._connect()
        try:
            return self._deliver(smtp, mail)
        finally:
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def send(self, mail: OutgoingMail) -> SendResult:
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            with self._lock:
                held = self._held > 0
                refused = self._send_held(mail) if held else self._send_once(mail)
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


def _alive(smtp: smtplib.SMTP) -> bool:
    """Whether a held session still answers (a round trip; nothing is sent yet)."""
    try:
        return smtp.noop()[0] == 250
    except _GONE:
        return False
