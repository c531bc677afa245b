"""The set-password flow end to end: real Keystone, the service served on 127.0.0.1, real HTTP."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from setpass.app import services_of
from setpass.config import RateLimit
from setpass.crypto import hash_token
from setpass_client import SetpassClient
from tests.fixtures.databases import DATABASES
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import (
    PIN,
    FakeClock,
    FormUser,
    SetpassServer,
    StartServer,
    can_log_in,
    message_of,
    new_user,
    register,
)

pytestmark = pytest.mark.keystone
SETPASS_DATABASES = DATABASES  # each test on SQLite, MariaDB and PostgreSQL


def test_full_flow_sets_the_users_password(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, setpass_server.url)
    token = client.register(user.id, temporary, PIN)
    link = client.link(token)
    assert link == f"{setpass_server.url}?token={token}"

    browser = FormUser()
    page = browser.open(link)
    assert page.status_code == 200
    assert 'name="pin"' in page.text and 'name="confirm_password"' in page.text
    new_password = "My-own-" + secrets.token_urlsafe(12)
    done = browser.set_password(link, PIN, new_password)
    assert done.status_code == 200, done.text
    assert message_of(done) == "Password set."
    assert 'href="https://cloud.example.org/dashboard"' in done.text

    assert can_log_in(keystone_admin, user.id, new_password)
    assert not can_log_in(keystone_admin, user.id, temporary)
    # single use: the record is gone
    assert browser.open(link).status_code == 404
    assert services_of(setpass_server.app).store.count() == 0


def test_seed_keystoneauth_example_works_unchanged(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    """The original README: an unscoped admin session, sess.put(...), r.text is the token."""
    user, temporary = new_user(keystone_admin, unique_name)
    creds = keystone_admin.keystone.admin_credentials()
    # "it doesn't need to be scoped to any project, but the user needs a role in the admin project"
    auth = v3.Password(
        auth_url=creds["auth_url"],
        username=creds["username"],
        password=creds["password"],
        user_domain_id="default",
    )
    sess = ks_session.Session(auth=auth)
    body = {"password": temporary, "pin": PIN}
    r = sess.put(f"{setpass_server.url}token/{user.id}", json=body)
    token = r.text
    assert r.status_code == 200 and len(token) >= 43

    browser = FormUser()
    browser.open(f"{setpass_server.url}?token={token}")
    new_password = secrets.token_urlsafe(14)
    done = browser.set_password(f"{setpass_server.url}?token={token}", PIN, new_password)
    assert done.status_code == 200, done.text
    assert can_log_in(keystone_admin, user.id, new_password)


def test_lockout_after_exactly_max_attempts(
    setpass_factory: StartServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    server = setpass_factory(max_attempts=3)
    user, temporary = new_user(keystone_admin, unique_name)
    link = f"{server.url}?token={register(server, keystone_admin, user.id, temporary)}"
    browser = FormUser()
    browser.open(link)
    answers = [browser.set_password(link, "0000", "Whatever-pass-1") for _ in range(3)]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert [message_of(a) for a in answers] == [
        "Wrong pin",
        "Wrong pin",
        "Account locked, too many wrong attempts!",
    ]
    assert "2 attempts left" in answers[0].text
    # the right PIN no longer helps, and the page says so at once
    right = browser.set_password(link, PIN, "Whatever-pass-1")
    assert (right.status_code, message_of(right)) == (
        403,
        "Account locked, too many wrong attempts!",
    )
    page = browser.open(link)
    assert page.status_code == 403 and "locked" in page.text
    assert can_log_in(keystone_admin, user.id, temporary)


def test_expired_link_does_not_consume_attempts(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
) -> None:
    server = setpass_factory(token_expiration=3600, max_attempts=3)
    user, temporary = new_user(keystone_admin, unique_name)
    token = register(server, keystone_admin, user.id, temporary)
    link = f"{server.url}?token={token}"
    browser = FormUser()
    assert browser.open(link).status_code == 200
    clock.advance(3599)
    assert browser.open(link).status_code == 200
    clock.advance(1)
    page = browser.open(link)
    assert (page.status_code, message_of(page)) == (403, "Token expired")
    for _ in range(5):
        answer = browser.set_password(link, "9999", "Whatever-pass-1")
        assert (answer.status_code, message_of(answer)) == (403, "Token expired")
    store = services_of(server.app).store
    record = store.by_token_hash(hash_token(token))
    assert record is not None and record.attempts == 0


def test_renewal_unlocks_gives_new_token_and_old_one_dies(
    setpass_factory: StartServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    server = setpass_factory(max_attempts=2)
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, server.url)
    old = client.register(user.id, temporary, PIN)
    browser = FormUser()
    browser.open(client.link(old))
    for _ in range(2):
        browser.set_password(client.link(old), "1111", "Whatever-pass-1")
    assert browser.open(client.link(old)).status_code == 403

    new = client.register(user.id, None, None)  # renew only: keeps password and PIN
    assert new != old
    gone = browser.open(client.link(old))
    assert (gone.status_code, message_of(gone)) == (404, "Token not found")
    stale = browser.set_password(client.link(old), PIN, "Whatever-pass-1")
    assert stale.status_code == 404
    assert browser.open(client.link(new)).status_code == 200
    final = "Renewed-" + secrets.token_urlsafe(10)
    assert browser.set_password(client.link(new), PIN, final).status_code == 200
    assert can_log_in(keystone_admin, user.id, final)


def test_renewal_may_change_only_the_pin(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, setpass_server.url)
    client.register(user.id, temporary, PIN)
    token = client.register(user.id, None, "7777")
    browser = FormUser()
    browser.open(client.link(token))
    assert browser.set_password(client.link(token), PIN, "Whatever-pass-1").status_code == 403
    assert browser.set_password(client.link(token), "7777", "Whatever-pass-1").status_code == 200


def test_restart_loses_no_token(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    first = setpass_factory()
    user, temporary = new_user(keystone_admin, unique_name)
    token = register(first, keystone_admin, user.id, temporary)
    first.stop()

    second = setpass_factory()  # a new app instance on the same database
    link = f"{second.url}?token={token}"
    browser = FormUser()
    assert browser.open(link).status_code == 200
    assert browser.set_password(link, PIN, "After-restart-1").status_code == 200
    assert can_log_in(keystone_admin, user.id, "After-restart-1")


def test_keystone_policy_refusal_in_plain_words(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    """A real Keystone refusal (the user's `lock_password` option) reaches the user in words."""
    user, temporary = new_user(keystone_admin, unique_name)
    keystone_admin.client.users.update(user, options={"lock_password": True})
    link = (
        f"{setpass_server.url}?token={register(setpass_server, keystone_admin, user.id, temporary)}"
    )
    browser = FormUser()
    browser.open(link)
    wanted = "Wanted-" + secrets.token_urlsafe(10)
    refused = browser.set_password(link, PIN, wanted)
    assert refused.status_code == 400
    assert message_of(refused) == (
        "This account may not change its own password. Please contact the helpdesk."
    )
    assert wanted not in refused.text and temporary not in refused.text
    # the record is kept: once the cloud allows it, the same link works
    keystone_admin.client.users.update(user, options={"lock_password": False})
    assert browser.set_password(link, PIN, wanted).status_code == 200
    assert can_log_in(keystone_admin, user.id, wanted)


def test_local_password_rules_checked_before_keystone(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    link = (
        f"{setpass_server.url}?token={register(setpass_server, keystone_admin, user.id, temporary)}"
    )
    browser = FormUser()
    browser.open(link)
    short = browser.set_password(link, PIN, "short")
    assert short.status_code == 400 and "at least 8" in message_of(short)
    mismatch = browser.set_password(link, PIN, "Long-enough-1", "Long-enough-2")
    assert (mismatch.status_code, message_of(mismatch)) == (400, "Passwords do not match")


def test_put_auth_and_body_errors(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    url = f"{setpass_server.url}token/{secrets.token_hex(16)}"
    no_token = requests.put(url, json={"password": "x", "pin": PIN}, timeout=30)
    assert (no_token.status_code, no_token.text) == (401, "Unauthorized")
    bogus = requests.put(url, json={}, headers={"X-Auth-Token": "gAAAAA-bogus"}, timeout=30)
    assert (bogus.status_code, bogus.text) == (403, "Forbidden")

    admin_token = keystone_admin.session.get_token()
    headers = {"X-Auth-Token": admin_token, "Content-Type": "application/json"}
    for raw in ("{not json", "[1, 2]", '"text"', "\xff\xfe"):
        bad = requests.put(url, data=raw.encode("latin-1"), headers=headers, timeout=30)
        assert bad.status_code == 400, raw
    missing = requests.put(url, json={"password": "only-password"}, headers=headers, timeout=30)
    assert (missing.status_code, missing.text) == (400, "Missing required field!")
    wrong_type = requests.put(url, json={"password": 5, "pin": PIN}, headers=headers, timeout=30)
    assert wrong_type.status_code == 400


def test_non_admin_role_on_admin_project_is_forbidden(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    """The original let any role on the admin project through; only `admin` passes now."""
    ks = keystone_admin.client
    member, password = new_user(keystone_admin, unique_name)
    admin_project = ks.projects.find(name="admin", domain_id="default")
    ks.roles.grant(ks.roles.find(name="member"), user=member, project=admin_project)
    sess = keystone_admin.keystone.user_session(member.name, password, admin_project.id)
    target, temporary = new_user(keystone_admin, unique_name)
    r = sess.put(
        f"{setpass_server.url}token/{target.id}",
        json={"password": temporary, "pin": PIN},
        raise_exc=False,
    )
    assert (r.status_code, r.text) == (403, "Forbidden")
    unscoped = ks_session.Session(
        auth=v3.Password(
            auth_url=keystone_admin.keystone.auth_url,
            user_id=member.id,
            password=password,
        )
    )
    r = unscoped.put(f"{setpass_server.url}token/{target.id}", json={}, raise_exc=False)
    assert r.status_code == 403


HOSTILE_PINS = ["1234\n", "١٢٣٤", "１２３４", "12345", "123", " 1234", "+123", "-123", "0x1F",
                "1e3", "12 34", "", "1234 ", "12\x0034"]  # fmt: skip


def test_hostile_pins_rejected_on_put_and_form(
    setpass_factory: StartServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    server = setpass_factory(max_attempts=2, form_rate_limit=RateLimit(100, 60))
    user, temporary = new_user(keystone_admin, unique_name)
    headers = {"X-Auth-Token": keystone_admin.session.get_token()}
    url = f"{server.url}token/{user.id}"
    for pin in HOSTILE_PINS:
        r = requests.put(url, json={"password": temporary, "pin": pin}, headers=headers, timeout=30)
        assert r.status_code == 400, repr(pin)
    for odd in (1234, ["1234"], {"pin": "1234"}):
        body: dict[str, Any] = {"password": temporary, "pin": odd}
        r = requests.put(url, json=body, headers=headers, timeout=30)
        assert (r.status_code, r.text) == (400, "Pin should be 4-digit number"), repr(odd)

    link = f"{server.url}?token={register(server, keystone_admin, user.id, temporary)}"
    browser = FormUser()
    browser.open(link)
    for pin in HOSTILE_PINS:
        answer = browser.set_password(link, pin, "Whatever-pass-1")
        assert answer.status_code == 400, repr(pin)
    # none of them counted as an attempt (max_attempts=2): the right PIN still works
    assert browser.set_password(link, PIN, "Whatever-pass-1").status_code == 200


def test_form_posts_are_rate_limited_per_client(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
) -> None:
    server = setpass_factory(form_rate_limit=RateLimit(3, 60), max_attempts=10)
    user, temporary = new_user(keystone_admin, unique_name)
    link = f"{server.url}?token={register(server, keystone_admin, user.id, temporary)}"
    browser = FormUser()
    browser.open(link)
    codes = [browser.set_password(link, "0000", "Whatever-pass-1").status_code for _ in range(4)]
    assert codes == [403, 403, 403, 429]
    limited = browser.set_password(link, PIN, "Whatever-pass-1")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    clock.advance(61)
    assert browser.set_password(link, PIN, "Whatever-pass-1").status_code == 200


def test_admin_check_calls_keystone_once_then_caches(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
) -> None:
    """Scoped admin token: 1 validation; repeated within admin_cache_seconds: 0; unscoped: 2."""
    server = setpass_factory(admin_cache_seconds=30)
    keystone = services_of(server.app).keystone
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, server.url)
    before = keystone.calls
    client.register(user.id, temporary, PIN)
    assert keystone.calls - before == 1
    client.register(user.id, temporary, PIN)
    assert keystone.calls - before == 1
    clock.advance(31)
    client.register(user.id, temporary, PIN)
    assert keystone.calls - before == 2

    creds = keystone_admin.keystone.admin_credentials()
    unscoped = ks_session.Session(
        auth=v3.Password(
            auth_url=creds["auth_url"],
            username=creds["username"],
            password=creds["password"],
            user_domain_id="default",
        )
    )
    before = keystone.calls
    r = unscoped.put(f"{server.url}token/{user.id}", json={})
    assert r.status_code == 200
    assert keystone.calls - before == 2  # validate, then rescope to the admin project


def test_concurrent_wrong_pins_cannot_pass_max_attempts(
    setpass_factory: StartServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    """The attempt counter is a conditional UPDATE: 12 parallel guesses count as exactly 3."""
    server = setpass_factory(max_attempts=3, form_rate_limit=RateLimit(100, 60))
    user, temporary = new_user(keystone_admin, unique_name)
    token = register(server, keystone_admin, user.id, temporary)
    link = f"{server.url}?token={token}"
    browser = FormUser()
    browser.open(link)
    guesses = [f"{n:04d}" for n in range(12)]  # none is 4821
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(lambda g: browser.set_password(link, g, "Whatever-pass-1"), guesses)
        )
    assert all(a.status_code == 403 for a in answers)
    assert sum(message_of(a) == "Wrong pin" for a in answers) == 2
    record = services_of(server.app).store.by_token_hash(hash_token(token))
    assert record is not None and record.attempts == 3
