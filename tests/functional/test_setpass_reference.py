"""Reset references end to end: the form stores the PIN, the ticket names a reference, an
admin's PUT redeems it for the right user once, and the user sets a password with their PIN.

Real setpass over HTTP, real Keystone, real SMTP (the ticket is read from the sink).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from moc_tui.devstack.mail_sink import MailSink
from setpass.config import RateLimit
from setpass_client import SetpassClient, SetpassError, SetpassReferenceRefused
from setpass_client.reference import normalize, reference_problems, shown
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import (
    FakeClock,
    FormUser,
    SetpassServer,
    StartServer,
    can_log_in,
    new_user,
)

pytestmark = pytest.mark.keystone
FORM_PIN = "5173"  # the canary: chosen on the form, never in a mail or an answer


def file_reset(server: SetpassServer, sink: MailSink, email: str, pin: str = FORM_PIN) -> str:
    """Fill in the reset form as the user; the reference the helpdesk ticket carries."""
    before = len(sink.received)
    browser = FormUser()
    browser.open(server.url + "reset")
    answer = browser.submit(
        server.url + "reset", name="Ada Lovelace", email=email, confirm_email=email, pin=pin
    )
    assert answer.status_code == 200, answer.text
    ticket = sink.wait_for(before + 1)[-1]
    assert pin not in ticket.message.as_string()
    found = re.search(r"^Reset reference: ([0-9A-Z]{5}-[0-9A-Z]{5})\r?$", ticket.text, re.M)
    assert found, ticket.text
    return found.group(1)


@pytest.fixture
def server(setpass_factory: StartServer) -> SetpassServer:
    return setpass_factory(reset_rate_limit=RateLimit(100, 3600))


def client_of(server: SetpassServer, admin: KeystoneAdmin) -> SetpassClient:
    return SetpassClient(admin.session, server.url, retries=0)


def set_password(link: str, pin: str, password: str) -> requests.Response:
    browser = FormUser()
    browser.open(link)
    answer: requests.Response = browser.set_password(link, pin, password)
    return answer


def test_the_reference_binds_the_form_pin_and_works_once(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, user.name.upper())  # the email's case is free
    client = client_of(server, keystone_admin)
    token = client.redeem(user.id, temporary, reference.lower().replace("-", " "))
    link = client.link(token)
    assert set_password(link, "0000", "Ada-New-Passw0rd").status_code == 403  # not the form's
    assert set_password(link, FORM_PIN, "Ada-New-Passw0rd").status_code == 200
    assert can_log_in(keystone_admin, user.id, "Ada-New-Passw0rd")

    with pytest.raises(SetpassReferenceRefused, match="already used"):
        client.redeem(user.id, "Another-Temp-1", reference)


def test_a_retry_for_the_same_user_is_the_same_reset(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    """A lost answer or a crashed run presents the reference again: it is not a second use."""
    user, temporary = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, user.name)
    client = client_of(server, keystone_admin)
    first = client.redeem(user.id, temporary, reference)
    second = client.redeem(user.id, None, reference)
    assert first != second
    assert FormUser().open(client.link(first)).status_code == 404  # renewed: the old link died
    assert set_password(client.link(second), FORM_PIN, "Ada-New-Passw0rd").status_code == 200


def test_another_users_reference_is_refused(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    alice, alice_temporary = new_user(keystone_admin, unique_name)
    bob, _ = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, alice.name)
    client = client_of(server, keystone_admin)
    with pytest.raises(SetpassReferenceRefused, match="another user"):
        client.redeem(bob.id, "Bob-Temp-Passw0rd", reference)
    assert client.status(bob.id) is None  # nothing registered for bob
    # the refusal did not use it up: alice's reset still works
    token = client.redeem(alice.id, alice_temporary, reference)
    assert set_password(client.link(token), FORM_PIN, "Alice-New-Passw0rd").status_code == 200


def test_a_reference_taken_by_one_user_is_used_for_every_other(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, user.name)
    client = client_of(server, keystone_admin)
    client.redeem(user.id, temporary, reference)
    # the user files again (a new PIN): the old reference no longer matches the waiting link
    newer = file_reset(server, mail_sink, user.name, pin="8642")
    token = client.redeem(user.id, None, newer)
    with pytest.raises(SetpassReferenceRefused, match="already used"):
        client.redeem(user.id, None, reference)
    assert set_password(client.link(token), "8642", "Ada-New-Passw0rd").status_code == 200


def test_an_expired_unknown_or_malformed_reference_is_refused(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, user.name)
    client = client_of(server, keystone_admin)
    with pytest.raises(SetpassReferenceRefused, match="Unknown reset reference"):
        client.redeem(user.id, temporary, "ZZZZZ-ZZZZZ")
    with pytest.raises(SetpassReferenceRefused, match="10 letters and digits"):
        client.redeem(user.id, temporary, "ABC")
    clock.advance(7 * 24 * 3600)
    with pytest.raises(SetpassReferenceRefused, match="expired"):
        client.redeem(user.id, temporary, reference)
    assert client.status(user.id) is None


def test_the_api_refusals_in_plain_words(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, user.name)
    url = f"{server.url}token/{user.id}"
    token = keystone_admin.session.get_token()

    def put(body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        return requests.put(
            url, json=body, headers={"X-Auth-Token": token} if headers is None else headers,
            timeout=30,
        )  # fmt: skip

    both = put({"password": temporary, "pin": "1234", "pin_reference": reference})
    assert (both.status_code, both.text) == (
        400,
        "Bad request: give pin or pin_reference, not both",
    )
    assert put({"password": temporary, "pin_reference": reference}, headers={}).status_code == 401
    assert put({"pin_reference": reference}).status_code == 400  # new record: password missing
    good = put({"password": temporary, "pin_reference": reference})
    assert good.status_code == 200 and good.headers["X-Setpass-Pin-Reference"] == "accepted"
    assert FORM_PIN not in good.text


def test_the_original_api_with_a_pin_still_works(
    server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    client = client_of(server, keystone_admin)
    token = client.register(user.id, temporary, "4821")
    assert set_password(client.link(token), "4821", "Ada-New-Passw0rd").status_code == 200


def test_an_older_service_that_ignores_the_reference_is_detected(
    server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    """Against a service without references, a renewal would silently keep the old PIN."""
    user, temporary = new_user(keystone_admin, unique_name)
    client = client_of(server, keystone_admin)
    client.register(user.id, temporary, "4821")

    class OldService(SetpassClient):
        def _send(self, method: str, url: str, body: Any) -> Any:
            return super()._send(method, url, {k: v for k, v in body.items() if k == "password"})

    old = OldService(keystone_admin.session, server.url, retries=0)
    with pytest.raises(SetpassError, match="does not know reset references"):
        old.redeem(user.id, None, "7K3QX-9W2HD")


def test_reference_reading() -> None:
    assert normalize("7k3qx-9w2hd") == "7K3QX9W2HD"
    assert normalize(" 7K3QX 9W2HD\n") == "7K3QX9W2HD"
    assert normalize("7K3QX-9W2HO") == "7K3QX9W2H0"  # O reads as 0, I and L as 1
    assert normalize("7K3QX-9W2HU") is None  # U is not in the alphabet
    assert normalize("7K3QX-9W2H") is None
    assert normalize("7K3QX-9W2Hß") is None  # no Unicode case tricks
    assert shown("7K3QX9W2HD") == "7K3QX-9W2HD"
    assert reference_problems("") == ["the reset reference from the ticket is missing"]
    assert reference_problems("7K3QX-9W2HD") == []


def test_the_database_holds_neither_the_pin_nor_the_reference(
    server: SetpassServer, mail_sink: MailSink, tmp_path: Path
) -> None:
    reference = file_reset(server, mail_sink, "ada@example.org")
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("setpass.db*"))
    assert b"setpass_reset_requests" in stored and b"ada@example.org" in stored
    assert not re.search(rb"(?<![0-9A-Za-z])" + FORM_PIN.encode() + rb"(?![0-9A-Za-z])", stored)
    assert reference.encode() not in stored and reference.replace("-", "").encode() not in stored


def test_a_token_that_cannot_read_the_user_is_told_so(
    server: SetpassServer,
    mail_sink: MailSink,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    """An unscoped admin token passes the admin check (setpass rescopes it) but may not read
    users: the reference cannot be checked, and setpass says that rather than 'unreachable'."""
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    user, temporary = new_user(keystone_admin, unique_name)
    reference = file_reset(server, mail_sink, user.name)
    given = keystone_admin.keystone.admin_credentials()
    auth = v3.Password(
        auth_url=given["auth_url"],
        username=given["username"],
        password=given["password"],
        user_domain_id=given["user_domain_id"],
    )  # no project: unscoped
    unscoped = ks_session.Session(auth=auth)
    with pytest.raises(SetpassError, match="may not read the user"):
        SetpassClient(unscoped, server.url, retries=0).redeem(user.id, temporary, reference)
    assert client_of(server, keystone_admin).redeem(user.id, temporary, reference)  # still unused
