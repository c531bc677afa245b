"""Mail: one-pass placeholders, safe headers, and real delivery through the SMTP test server."""

from __future__ import annotations

import re
import socket
from dataclasses import replace

import pytest

from moc_tui.core.mail import Mailer, MailError, build_message, fill_placeholders
from moc_tui.core.settings import EmailSettings, SmtpSecurity, SmtpSettings
from moc_tui.devstack.mail_sink import MailSink

DEFAULTS = {"sender": "cloud@example.org", "support_email": "help@example.org"}


def welcome(**changes: object) -> EmailSettings:
    section = EmailSettings(
        section="welcome_email",
        subject="Welcome to {project}",
        cc_list=("ops@example.org",),
        placeholders={"team": "Cloud team"},
    )
    return replace(section, **changes)  # type: ignore[arg-type]


def test_placeholders_are_filled_once_and_unknown_ones_stay() -> None:
    text = fill_placeholders(
        "Dear <FULLNAME>, link: <SETPASS_TOKEN_URL> <MISSING>",
        {"FULLNAME": "<SETPASS_TOKEN_URL> {0.__class__} %(admin_pwd)s", "SETPASS_TOKEN_URL": "L"},
        html_body=False,
    )
    assert text == "Dear <SETPASS_TOKEN_URL> {0.__class__} %(admin_pwd)s, link: L <MISSING>"


def test_html_bodies_escape_values() -> None:
    body = fill_placeholders("<p><FULLNAME></p>", {"FULLNAME": "<b>x</b> & y"}, html_body=True)
    assert body == "<p>&lt;b&gt;x&lt;/b&gt; &amp; y</p>"


def test_message_layers_and_recipients() -> None:
    mail = build_message(
        welcome(),
        "<TEAM> at <SUPPORT_EMAIL> for <FULLNAME>",
        DEFAULTS,
        {"fullname": "Alice"},
        ["alice@example.org"],
        subject_project="{admin_pwd}",
        extra_cc=["OPS@example.org", "alice@example.org", "pi@example.org"],
    )
    assert mail.body == "Cloud team at help@example.org for Alice"
    assert mail.subject == "Welcome to {admin_pwd}"
    assert mail.cc == ("ops@example.org", "OPS@example.org", "pi@example.org")
    assert mail.recipients() == ["alice@example.org", "ops@example.org", "pi@example.org"]


def test_a_header_with_a_line_break_is_refused() -> None:
    mail = build_message(
        welcome(subject="Hi\r\nBcc: attacker@evil.example"), "x", DEFAULTS, {}, ["a@example.org"]
    )
    with pytest.raises(ValueError):
        mail.to_message()


def smtp_settings(sink: MailSink, **changes: object) -> SmtpSettings:
    settings = SmtpSettings(host=sink.host, port=sink.port, ca_file=sink.ca_file, timeout=10)
    return replace(settings, **changes)  # type: ignore[arg-type]


def test_delivery_over_verified_starttls(mail_sink: MailSink) -> None:
    mail = build_message(
        welcome(),
        "Hello <FULLNAME>",
        DEFAULTS,
        {"FULLNAME": "Ünï"},
        ["alice@example.org"],
        subject_project="wonderland",
    )
    result = Mailer(smtp_settings(mail_sink)).send(mail)
    [received] = mail_sink.wait_for(1)
    assert result.refused == {}
    assert received.over_tls
    assert received.rcpt_tos == ("alice@example.org", "ops@example.org")
    assert received.message["Subject"] == "Welcome to wonderland"
    assert received.message["Message-ID"] == mail.message_id
    assert received.text.strip() == "Hello Ünï"


def test_an_unverifiable_certificate_is_a_clear_error(mail_sink: MailSink) -> None:
    mail = build_message(welcome(), "x", DEFAULTS, {}, ["a@example.org"])
    with pytest.raises(MailError, match=r"cannot be verified .*set \[smtp\] ca_file"):
        Mailer(smtp_settings(mail_sink, ca_file=None)).send(mail)
    assert mail_sink.received == []


def test_no_server_is_a_clear_error() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=9, security=SmtpSecurity.NONE, timeout=5)
    mail = build_message(welcome(), "x", DEFAULTS, {}, ["a@example.org"])
    with pytest.raises(MailError, match=re.escape("could not send mail through 127.0.0.1:9")):
        Mailer(settings).send(mail)


def test_a_run_sends_every_message_over_one_connection(mail_sink: MailSink) -> None:
    mailer = Mailer(smtp_settings(mail_sink))
    mails = [
        build_message(welcome(), f"n{n}", DEFAULTS, {}, [f"u{n}@example.org"]) for n in range(3)
    ]
    with mailer.connection():
        for mail in mails:
            assert mailer.send(mail).refused == {}
    received = mail_sink.wait_for(3)
    assert [r.message["Message-ID"] for r in received] == [m.message_id for m in mails]
    assert all(r.over_tls for r in received)
    assert len({r.peer for r in received}) == 1 == mailer.connections_opened
    mailer.send(mails[0])  # outside a run: a connection of its own, closed after
    assert mailer.connections_opened == 2


def test_a_dropped_connection_is_reopened_and_the_message_sent_once(mail_sink: MailSink) -> None:
    mailer = Mailer(smtp_settings(mail_sink))
    first, second = (build_message(welcome(), w, DEFAULTS, {}, ["a@example.org"]) for w in "ab")
    with mailer.connection():
        mailer.send(first)
        held = mailer._smtp
        assert held is not None and held.sock is not None
        held.sock.shutdown(socket.SHUT_RDWR)  # as if the server had dropped the idle session
        mailer.send(second)
    received = mail_sink.wait_for(2)
    assert [r.message["Message-ID"] for r in received] == [first.message_id, second.message_id]
    assert mailer.connections_opened == 2
    assert received[0].peer != received[1].peer
