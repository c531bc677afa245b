"""Activation reminders and the setpass status route, against real Keystone, setpass and SMTP."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
import requests

from moc_tui.cli import main
from moc_tui.core.cron.activation import not_activated, waiting
from moc_tui.core.journal import Journal
from moc_tui.devstack.mail_sink import ReceivedMail
from setpass_client import SetpassClient
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import (
    PIN,
    FakeClock,
    FormUser,
    SetpassServer,
    new_user,
)
from tests.fixtures.stack import MakeStack
from tests.sample_rows import access_row

LIFETIME = 48 * 3600


def link_in(mail: ReceivedMail) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", mail.text)
    assert found, mail.text
    return found.group(0)


@pytest.mark.keystone
def test_status_route_and_client(
    setpass_server: SetpassServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, setpass_server.url)
    assert client.status(user.id) is None  # never registered
    link = client.link(client.register(user.id, temporary, PIN))
    assert client.status(user.id) == "pending"
    clock.advance(LIFETIME)
    assert client.status(user.id) == "expired"
    link = client.link(client.renew(user.id))
    assert client.status(user.id) == "pending"
    browser = FormUser()
    browser.open(link)
    for _ in range(3):
        browser.set_password(link, "9999", "Some-new-pass-1")
    assert client.status(user.id) == "locked"
    link = client.link(client.renew(user.id))
    browser.open(link)
    assert browser.set_password(link, PIN, "My-own-pass-12345").status_code == 200
    assert client.status(user.id) is None  # set: the record is gone

    # admin only, like PUT; the answer never holds a token
    url = f"{setpass_server.url.rstrip('/')}/token/{user.id}"
    assert requests.get(url, timeout=10).status_code == 401
    answer = requests.get(url, headers={"X-Auth-Token": "not-a-token"}, timeout=10)
    assert answer.status_code in (401, 403)


@pytest.mark.keystone
def test_activation_reminders_then_not_activated(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = secrets.token_hex(4)
    una, val = f"una.{s}@example.org", f"val.{s}@example.org"
    stack = make_stack(
        [
            access_row(email=una, new_project=f"una-{s}", timestamp="11/1/2026 9:01:00"),
            access_row(email=val, new_project=f"val-{s}", timestamp="11/1/2026 9:02:00"),
        ]
    )
    config = str(stack.settings_path)
    assert main(["provision", "--config", config, "--all"]) == 0
    provisioning_mails = stack.mail.wait_for(6)
    assert len({m.peer for m in provisioning_mails}) == 1  # one SMTP connection for the run
    password_mails = [m for m in provisioning_mails if "token=" in m.text]
    val_link = link_in(next(m for m in password_mails if m.rcpt_tos == (val,)))
    browser = FormUser()
    browser.open(val_link)
    assert browser.set_password(val_link, "0123", "Val-own-pass-123").status_code == 200
    stack.mail.clear()
    journal_path = stack.settings.state_dir / "journal.sqlite3"
    journal = Journal(journal_path)
    assert {w.username for w in waiting(journal)} == {una, val}

    # links still valid: val is settled as activated, una waits
    capsys.readouterr()
    assert main(["activation", "--config", config]) == 0
    assert f"password set: {val}" in capsys.readouterr().out
    assert stack.mail.received == []
    assert [w.username for w in waiting(journal)] == [una]

    for _ in (1, 2):
        clock.advance(LIFETIME)
        assert main(["activation", "--config", config]) == 0
        assert f"new link sent: {una}" in capsys.readouterr().out
        (reminder,) = stack.mail.wait_for(1)
        assert reminder.rcpt_tos == (una,)
        assert reminder.message["Subject"] == "Reminder: choose your cloud password"
        assert reminder.message["Message-ID"] and reminder.message["Date"]
        link = link_in(reminder)
        assert FormUser().open(link).status_code == 200  # the renewed link works
        stack.mail.clear()
        # a rerun while the new link is valid sends nothing
        assert main(["activation", "--config", config]) == 0
        assert stack.mail.received == []
    # the link was never stored: not in the journal
    assert link.split("token=")[1].encode() not in journal_path.read_bytes()

    clock.advance(LIFETIME)
    assert main(["activation", "--config", config]) == 0
    assert f"NOT ACTIVATED (helpdesk: follow up): {una}" in capsys.readouterr().out
    assert stack.mail.received == []
    (record,) = not_activated(journal)
    assert (record.username, record.reminders, record.reason) == (una, 2, "link expired unused")
    assert waiting(journal) == []
    assert main(["activation", "--config", config]) == 0
    assert stack.mail.received == []


@pytest.mark.keystone
def test_one_run_sends_every_reminder_over_one_connection(
    make_stack: MakeStack, clock: FakeClock
) -> None:
    s = secrets.token_hex(4)
    names = [f"ida.{s}@example.org", f"jo.{s}@example.org"]
    stack = make_stack(
        [
            access_row(email=name, new_project=f"p{n}-{s}", timestamp=f"11/1/2026 9:0{n}:00")
            for n, name in enumerate(names)
        ]
    )
    config = str(stack.settings_path)
    assert main(["provision", "--config", config, "--all"]) == 0
    stack.mail.wait_for(6)
    stack.mail.clear()
    clock.advance(LIFETIME)
    assert main(["activation", "--config", config]) == 0
    reminders = stack.mail.wait_for(2)
    assert sorted(m.rcpt_tos for m in reminders) == [(n,) for n in names]
    assert len({m.peer for m in reminders}) == 1
    assert all(m.message["Message-ID"] and m.message["Date"] for m in reminders)
