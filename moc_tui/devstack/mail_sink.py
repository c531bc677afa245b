"""A real SMTP server on 127.0.0.1 that keeps what it receives, for tests and the demo.

aiosmtpd speaks real SMTP (EHLO, STARTTLS or implicit TLS, AUTH), so the program's mail code runs
unchanged against it. The certificate comes from a throwaway CA made at start time; its PEM is
written to `ca_file` for the client to verify against. Messages are kept in memory and, when a
folder is given, in a Maildir the demo's operator can read.
"""

from __future__ import annotations

import asyncio
import mailbox
import ssl
import threading
from collections.abc import Awaitable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Security = Literal["starttls", "tls", "none"]


@dataclass(frozen=True)
class ReceivedMail:
    """One delivered message as the server saw it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    over_tls: bool
    login: str | None
    peer: str = ""  # the client's address and port: one per SMTP connection

    @property
    def text(self) -> str:
        """The body of a single-part message; of a multipart one, the part a mail reader shows
        (HTML before its text/plain alternative)."""
        part = self.message.get_body(preferencelist=("html", "plain"))
        return str(part.get_content()) if part is not None else ""


@dataclass
class _Handler:
    """aiosmtpd handler: stores every accepted message."""

    maildir: mailbox.Maildir | None
    implicit_tls: bool
    received: list[ReceivedMail] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    gate: tuple[threading.Event, threading.Event, str] | None = None  # (until, held, to)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.gate is not None and self.gate[2] in envelope.rcpt_tos:
            until, held, _ = self.gate
            held.set()
            await asyncio.to_thread(until.wait, 120)
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        mail = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=message,
            over_tls=self.implicit_tls or session.ssl is not None,
            login=login,
            peer=str(session.peer),
        )
        if self.maildir is not None:
            self.maildir.add(raw)
        with self.arrived:
            self.received.append(mail)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


class _EphemeralPortController(Controller):
    """A Controller that binds port 0 and learns the port the kernel gave it (no race)."""

    async def _bind(self) -> Any:
        server = await self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
        )
        self.port = server.sockets[0].getsockname()[1]
        return server

    def _create_server(self) -> Awaitable[Any]:
        return self._bind()


class MailSink:
    """Start with `start()`, read `received` or `wait_for(n)`, stop with `stop()`."""

    def __init__(
        self,
        workdir: Path,
        *,
        security: Security = "starttls",
        credentials: tuple[str, str] | None = None,
        maildir: Path | None = None,
    ) -> None:
        self.security = security
        self.credentials = credentials
        self.host = "127.0.0.1"
        self.ca_file = workdir / "mail-ca.pem"
        self._ca = trustme.CA()
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        self._handler = _Handler(
            mailbox.Maildir(maildir) if maildir else None, implicit_tls=security == "tls"
        )
        self._controller: _EphemeralPortController | None = None

    @property
    def port(self) -> int:
        assert self._controller is not None, "the mail sink is not running"
        return int(self._controller.port)

    @property
    def received(self) -> list[ReceivedMail]:
        with self._handler.arrived:
            return list(self._handler.received)

    def _server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        return context

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            self.credentials is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == self.credentials
        )
        return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)

    def start(self) -> MailSink:
        context = self._server_context()
        options: dict[str, Any] = {"hostname": self.host, "port": 0}
        if self.security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        elif self.security == "tls":
            options.update(ssl_context=context)
        if self.credentials is not None:
            # With implicit TLS aiosmtpd does not know the socket is encrypted; it is.
            options.update(
                authenticator=self._authenticate,
                auth_require_tls=self.security == "starttls",
            )
        self._controller = _EphemeralPortController(self._handler, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def hold(self, until: threading.Event, to: str) -> threading.Event:
        """Keep the reply to every message for `to` waiting until `until` is set (a client stuck
        mid-run); other messages go through. Returns an event set once a message is held."""
        held = threading.Event()
        self._handler.gate = (until, held, to)
        return held

    def clear(self) -> None:
        with self._handler.arrived:
            self._handler.received.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived (a condition, not a sleep)."""
        with self._handler.arrived:
            if not self._handler.arrived.wait_for(
                lambda: len(self._handler.received) >= count, timeout
            ):
                got = len(self._handler.received)
                raise TimeoutError(f"expected {count} message(s) within {timeout} s, got {got}")
            return list(self._handler.received)
