"""The request-a-reset form: a ticket to the helpdesk over verified STARTTLS; hostile input.

The ticket carries a reset reference, never the PIN (tests/functional/test_setpass_reference.py
redeems it).
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from moc_tui.devstack.mail_sink import MailSink
from setpass.config import RateLimit
from tests.fixtures.databases import DATABASES
from tests.fixtures.setpass import HELPDESK, FormUser, SetpassServer, StartServer, message_of

pytestmark = pytest.mark.keystone  # the service fixture points at the session's Keystone
SETPASS_DATABASES = DATABASES  # each test on SQLite, MariaDB and PostgreSQL


def post_reset(server: SetpassServer, **fields: str) -> tuple[int, str]:
    browser = FormUser()
    page = browser.open(server.url + "reset")
    assert page.status_code == 200 and "one business day" in page.text
    answer = browser.submit(server.url + "reset", **fields)
    return answer.status_code, message_of(answer)


def fields(
    name: str = "Ada Lovelace", email: str = "ada@example.org", **more: str
) -> dict[str, str]:
    return {"name": name, "email": email, "confirm_email": email, "pin": "2468", **more}


def test_reset_ticket_reaches_the_helpdesk(
    setpass_server: SetpassServer, mail_sink: MailSink
) -> None:
    status, message = post_reset(setpass_server, **fields())
    assert (status, message) == (200, "The request has been forwarded to the helpdesk.")
    (mail,) = mail_sink.wait_for(1)
    assert mail.rcpt_tos == (HELPDESK,)
    assert mail.over_tls
    assert mail.message["To"] == HELPDESK
    assert mail.message["Subject"] == "Password reset request"
    assert "Name: Ada Lovelace" in mail.text and "Username: ada@example.org" in mail.text
    assert "Priority: High" in mail.text
    assert re.search(r"^Reset reference: [0-9A-Z]{5}-[0-9A-Z]{5}\r?$", mail.text, re.M), mail.text
    assert "2468" not in mail.message.as_string()  # the PIN (the canary) is nowhere in the mail


def test_an_original_template_with_pin_gets_no_pin(
    setpass_factory: StartServer, mail_sink: MailSink, tmp_path: Path
) -> None:
    """A deployment's own template from the original ({pin}) still renders, without the PIN."""
    template = tmp_path / "ticket.txt"
    template.write_text("Reset for {name} <{username}> pin {pin}\n")
    server = setpass_factory(helpdesk_template=str(template))
    assert post_reset(server, **fields())[0] == 200
    [mail] = mail_sink.wait_for(1)
    assert "2468" not in mail.message.as_string()
    assert re.fullmatch(
        r"Reset for Ada Lovelace <ada@example.org> pin not mailed \(kept by setpass\); reset"
        r" reference [0-9A-Z]{5}-[0-9A-Z]{5}",
        mail.text.strip(),
    )


def test_reset_uses_the_configured_template(
    setpass_factory: StartServer, mail_sink: MailSink, tmp_path: Path
) -> None:
    template = tmp_path / "ticket.txt"
    template.write_text("Reset for {name} <{username}> ref {reference}\n")
    server = setpass_factory(helpdesk_template=str(template))
    assert post_reset(server, **fields())[0] == 200
    text = mail_sink.wait_for(1)[0].text.strip()
    expected = r"Reset for Ada Lovelace <ada@example.org> ref [0-9A-Z]{5}-[0-9A-Z]{5}"
    assert re.fullmatch(expected, text)


def test_reset_input_checks_in_the_originals_order(setpass_factory: StartServer) -> None:
    setpass_server = setpass_factory(reset_rate_limit=RateLimit(100, 3600))
    assert post_reset(setpass_server, **fields(pin="")) == (400, "Missing required field!")
    mismatch = fields(confirm_email="other@example.org")
    assert post_reset(setpass_server, **mismatch) == (400, "Email addresses do not match.")
    for pin in ("1234\n", "١٢٣٤", "12345", "+123"):
        assert post_reset(setpass_server, **fields(pin=pin)) == (
            400,
            "Pin should be 4-digit number",
        )


@pytest.mark.parametrize(
    "name",
    ["Eve\r\nBcc: attacker@evil.example", "Eve\nSubject: pwned", "Eve\rMallory",
     "Bob\u202egnp.exe", "Eve\x1b]2;PWNED\x07"],
)  # fmt: skip
def test_hostile_names_refused_and_nothing_sent(
    setpass_server: SetpassServer, mail_sink: MailSink, name: str
) -> None:
    status, _ = post_reset(setpass_server, **fields(name=name))
    assert status == 400
    assert mail_sink.received == []


@pytest.mark.parametrize(
    "email",
    ["victim@example.org\r\nBcc: attacker@evil.example", "alice@example.org\nmallory@evil.example",
     "-oProxyCommand=sh@x.y", "a@b", '"quoted local"@x.org', "../../x/.profile@example.org"],
)  # fmt: skip
def test_hostile_emails_refused_and_nothing_sent(
    setpass_server: SetpassServer, mail_sink: MailSink, email: str
) -> None:
    status, _ = post_reset(setpass_server, **fields(email=email))
    assert status == 400
    assert mail_sink.received == []


def test_shell_and_format_strings_stay_literal(
    setpass_factory: StartServer, mail_sink: MailSink, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    names = [f"$(touch {marker})", f"`touch {marker}`; id", "{0.__class__} %(pin)s {pin}"]
    server = setpass_factory(reset_rate_limit=RateLimit(100, 3600))
    for name in names:
        assert post_reset(server, **fields(name=name))[0] == 200
    mails = mail_sink.wait_for(len(names))
    for mail, name in zip(mails, names, strict=True):
        assert f"Name: {name}" in mail.text.splitlines()
        assert set(mail.message.keys()) == {
            "From", "To", "Subject", "Date", "Message-ID", "Content-Type",
            "Content-Transfer-Encoding", "MIME-Version",
        }  # fmt: skip
        assert mail.rcpt_tos == (HELPDESK,)
    assert not marker.exists()


def test_reset_is_rate_limited(setpass_factory: StartServer, mail_sink: MailSink) -> None:
    server = setpass_factory(reset_rate_limit=RateLimit(2, 3600))
    codes = [post_reset(server, **fields())[0] for _ in range(3)]
    assert codes == [200, 200, 429]
    assert len(mail_sink.wait_for(2)) == 2


def test_reset_without_csrf_is_refused(setpass_server: SetpassServer, mail_sink: MailSink) -> None:
    import requests

    r = requests.post(setpass_server.url + "reset", data=fields(), timeout=30)
    assert r.status_code == 400
    assert mail_sink.received == []


def test_mail_server_down_is_a_clear_503(setpass_factory: StartServer) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    server = setpass_factory(mail_port=dead_port, mail_timeout=5.0)
    status, message = post_reset(server, **fields())
    assert status == 503 and "try again later" in message


def test_reset_form_comes_back_filled_in_and_escaped(setpass_server: SetpassServer) -> None:
    browser = FormUser()
    browser.open(setpass_server.url + "reset")
    name = '"><script>alert(1)</script>'
    answer = browser.submit(
        setpass_server.url + "reset",
        name=name,
        email="ada@example.org",
        confirm_email="other@example.org",
        pin="2468",
    )
    assert answer.status_code == 400
    assert message_of(answer) == "Email addresses do not match."
    assert "<script>" not in answer.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    assert 'value="ada@example.org"' in answer.text
    assert "2468" not in answer.text  # the PIN is never sent back
