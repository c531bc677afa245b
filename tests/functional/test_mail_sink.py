"""The SMTP test server is a real one: TLS is verified, STARTTLS is required, logins checked."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage

import pytest

from moc_tui.devstack.mail_sink import MailSink


def message(to: str = "new.user@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "cloud-support@example.org"
    msg["To"] = to
    msg["Subject"] = "Welcome"
    msg.set_content("Hello <FULLNAME>, ünïcode survives.")
    return msg


def connect(sink: MailSink) -> smtplib.SMTP:
    # EHLO with a fixed name: smtplib would otherwise look up this machine's own hostname
    return smtplib.SMTP(sink.host, sink.port, timeout=10, local_hostname="localhost")


def verified_context(sink: MailSink) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(sink.ca_file))


def test_starttls_delivery_with_a_verified_certificate(mail_sink: MailSink) -> None:
    with connect(mail_sink) as smtp:
        smtp.starttls(context=verified_context(mail_sink))
        smtp.send_message(message(), to_addrs=["new.user@example.org", "cc@example.org"])
    [mail] = mail_sink.wait_for(1)
    assert mail.over_tls
    assert mail.rcpt_tos == ("new.user@example.org", "cc@example.org")
    assert mail.message["Subject"] == "Welcome"
    assert mail.text.strip() == "Hello <FULLNAME>, ünïcode survives."


def test_mail_without_starttls_is_refused(mail_sink: MailSink) -> None:
    with connect(mail_sink) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        smtp.send_message(message())
    assert refused.value.smtp_code == 530
    assert mail_sink.received == []


def test_a_client_that_does_not_trust_the_ca_cannot_connect(mail_sink: MailSink) -> None:
    with connect(mail_sink) as smtp, pytest.raises(ssl.SSLCertVerificationError):
        smtp.starttls(context=ssl.create_default_context())


def test_implicit_tls_and_login(make_mail_sink: Callable[..., MailSink]) -> None:
    sink = make_mail_sink(security="tls", credentials=("bot", "s3cret"))
    context = verified_context(sink)
    with smtplib.SMTP_SSL(
        sink.host, sink.port, context=context, timeout=10, local_hostname="localhost"
    ) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("bot", "wrong")
        smtp.login("bot", "s3cret")
        smtp.send_message(message())
    [mail] = sink.wait_for(1)
    assert (mail.over_tls, mail.login) == (True, "bot")


def test_maildir_keeps_messages_for_the_demo(
    make_mail_sink: Callable[..., MailSink], tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("maildir") / "inbox"
    sink = make_mail_sink(security="none", maildir=folder)
    with connect(sink) as smtp:
        smtp.send_message(message("a@example.org"))
    sink.wait_for(1)
    assert len(list((folder / "new").iterdir())) == 1


def test_wait_for_gives_up_with_a_count(mail_sink: MailSink) -> None:
    with pytest.raises(TimeoutError, match="expected 1 message"):
        mail_sink.wait_for(1, timeout=0.2)
