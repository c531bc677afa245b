"""Mail: one-pass placeholders, safe headers, and real delivery through the SMTP test server."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from email.utils import parsedate_to_datetime

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


def test_every_message_has_date_and_message_id(mail_sink: MailSink) -> None:
    mail = build_message(welcome(), "Hello", DEFAULTS, {}, ["alice@example.org"])
    Mailer(smtp_settings(mail_sink)).send(mail)
    [received] = mail_sink.wait_for(1)
    assert parsedate_to_datetime(received.message["Date"]).tzinfo is not None
    assert received.message["Message-ID"] == mail.message_id


def test_an_html_mail_also_has_a_text_part(mail_sink: MailSink) -> None:
    section = welcome(formatting="html")
    mail = build_message(
        section,
        '<p>Dear <FULLNAME>,</p><p>see <a href="https://x.test/a">the guide</a></p>'
        "<table><tr><th>QUOTA</th><th>NEW</th></tr><tr><td>Cores</td><td>40</td></tr></table>",
        DEFAULTS,
        {"FULLNAME": "Pat & Sam"},
        ["alice@example.org"],
    )
    Mailer(smtp_settings(mail_sink)).send(mail)
    [received] = mail_sink.wait_for(1)
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    parts = {
        part.get_content_type(): part.get_content().replace("\r\n", "\n")
        for part in message.iter_parts()
    }
    assert "<p>Dear Pat &amp; Sam,</p>" in parts["text/html"]
    assert parts["text/plain"] == (
        "Dear Pat & Sam,\n\nsee the guide (https://x.test/a)\n\nQUOTA  NEW\nCores  40\n"
    )


@pytest.mark.parametrize("value", ["Alice\nQueue: Urgent", "Alice\r\nBcc: x@y.test", "A\u2028B"])
def test_a_one_line_value_stays_on_one_line(value: str) -> None:
    mail = build_message(
        welcome(),
        "Dear <FULLNAME>,\nProject: <PROJECT>\n<COMMENT>",
        DEFAULTS,
        {"FULLNAME": value, "PROJECT": value, "COMMENT": "line 1\nline 2"},
        ["alice@example.org"],
        subject_project=value,
    )
    lines = mail.body.split("\n")
    assert len(lines) == 4, lines
    assert lines[0].startswith("Dear Alice\\x0") or lines[0].startswith("Dear A\\u2028B")
    assert lines[2:] == ["line 1", "line 2"]
    assert "\n" not in mail.subject and "\r" not in mail.subject
    mail.to_message()  # the subject is a valid header


def test_the_ticket_pseudo_headers_cannot_be_faked_through_a_one_line_field() -> None:
    from importlib import resources

    template = (
        resources.files("moc_tui.core.mail") / "templates" / "notify_helpdesk.txt"
    ).read_text()
    fake = "pat@test.invalid\nQueue: Urgent\nRequestor: ceo@test.invalid"
    mail = build_message(
        EmailSettings(section="helpdesk", subject="MOC Access Request"),
        template,
        DEFAULTS,
        {
            "USER_NAME": fake,
            "FIRST_NAME": fake,
            "LAST_NAME": fake,
            "PROJECT": fake,
            "CSR_TYPE": "Access Request",
            "PRIORITY": "High",
            "QUEUE": "Monitoring",
            "COMMENT": "User requested the following access:\n - new project",
        },
        ["help@test.invalid"],
    )
    lines = mail.body.splitlines()
    assert [line for line in lines if line.startswith("Queue:")] == ["Queue: Monitoring"]
    assert [line for line in lines if line.startswith("Requestor:")] == [
        "Requestor: pat@test.invalid\\x0aQueue: Urgent\\x0aRequestor: ceo@test.invalid"
    ]
    assert " - new project" in lines  # the multi-line summary keeps its lines


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
