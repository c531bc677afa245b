"""HTTP details of the service: headers, CSRF, link states on GET, plain vs HTML replies, logs."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from setpass.app import create_app, services_of
from setpass.config import RateLimit, Settings
from setpass.crypto import hash_token
from setpass_client import SetpassClient
from tests import reset_form
from tests.fixtures.databases import DATABASES
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import (
    PIN,
    FakeClock,
    FormUser,
    SetpassServer,
    StartServer,
    make_settings,
    message_of,
    new_user,
)

pytestmark = pytest.mark.keystone
SETPASS_DATABASES = DATABASES  # each test on SQLite, MariaDB and PostgreSQL


def test_security_headers_on_every_page(setpass_server: SetpassServer) -> None:
    for path in ("reset", "?token=nope", "token/x"):
        r = requests.get(setpass_server.url + path, timeout=30)
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in r.headers  # plain http here
    css = requests.get(setpass_server.url + "static/setpass.css", timeout=30)
    assert css.status_code == 200 and css.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_when_served_over_https(keystone: object, tmp_path: Path) -> None:
    """Pure HTTP check (Flask's test client): behind TLS the header is sent."""
    settings = make_settings(keystone, tmp_path / "db.sqlite")  # type: ignore[arg-type]
    client = create_app(settings).test_client()
    r = client.get("/reset", base_url="https://setpass.example.org")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "; Secure" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
    plain = create_app(settings).test_client().get("/reset")
    assert "; Secure" not in plain.headers["Set-Cookie"]  # development over http still works
    forced = replace(settings, secure_cookies=True)
    assert "; Secure" in create_app(forced).test_client().get("/reset").headers["Set-Cookie"]


def test_get_tells_at_once_when_link_is_unknown(setpass_server: SetpassServer) -> None:
    missing = requests.get(setpass_server.url, timeout=30)
    assert (missing.status_code, missing.text) == (404, "Token not found")
    browser = FormUser()
    unknown = browser.open(f"{setpass_server.url}?token={secrets.token_urlsafe(32)}")
    assert unknown.status_code == 404 and message_of(unknown) == "Token not found"
    assert "<form" not in unknown.text and "new link" in unknown.text
    huge = browser.open(f"{setpass_server.url}?token={'A' * 5000}")
    assert huge.status_code == 404


def test_form_post_needs_the_csrf_token(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    token = SetpassClient(keystone_admin.session, setpass_server.url).register(
        user.id, temporary, PIN
    )
    link = f"{setpass_server.url}?token={token}"
    fields = {"pin": PIN, "password": "Whatever-pass-1", "confirm_password": "Whatever-pass-1"}
    cross_site = requests.post(link, data=fields, timeout=30)  # no cookie, no field
    assert cross_site.status_code == 400 and "expired" in cross_site.text
    browser = FormUser()
    browser.open(link)
    cookie = next(c for c in browser.http.cookies if c.name == "setpass_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    forged = browser.http.post(link, data={**fields, "csrf_token": "forged"}, timeout=30)
    assert forged.status_code == 400
    # the original's input checks, in its order, once the form is genuine
    assert browser.submit(link, pin=PIN, password="a").status_code == 400
    empty = browser.submit(link, pin="", password="x", confirm_password="x")
    assert message_of(empty) == "Missing required field!"
    assert browser.set_password(link, PIN, "Whatever-pass-1").status_code == 200


def test_scripts_get_the_original_plain_strings(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    token = SetpassClient(keystone_admin.session, setpass_server.url).register(
        user.id, temporary, PIN
    )
    link = f"{setpass_server.url}?token={token}"
    script = requests.Session()  # Accept: */*
    page = script.get(link, timeout=30)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    fields = {"csrf_token": csrf.group(1), "pin": "0000", "password": "Pass-word-1",
              "confirm_password": "Pass-word-1"}  # fmt: skip
    wrong = script.post(link, data=fields, timeout=30)
    assert (wrong.status_code, wrong.text) == (403, "Wrong pin")
    done = script.post(link, data={**fields, "pin": PIN}, timeout=30)
    assert (done.status_code, done.text) == (200, "Password set.")


def test_oversized_body_refused(setpass_server: SetpassServer) -> None:
    r = requests.put(
        setpass_server.url + "token/abc",
        data=b"x" * 200_000,
        headers={"X-Auth-Token": "t"},
        timeout=30,
    )
    assert r.status_code in (401, 403, 413)


def _hexfree(secret: str, text: str) -> bool:
    """True if `secret` is absent, ignoring hits inside longer hex/digit runs (ports, ids)."""
    return re.search(rf"(?<![0-9a-fA-F]){re.escape(secret)}(?![0-9a-fA-F])", text) is None


def test_no_secret_in_any_log_line(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server = setpass_factory()
    pin = reset_form.PIN  # the canary of security.md #39
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, server.url)
    token = client.register(user.id, temporary, pin)
    link = client.link(token)
    browser = FormUser()
    browser.open(link)
    browser.set_password(link, "0000", "Wrong-pin-pass-1")
    new_password = "Canary-" + secrets.token_urlsafe(12)
    browser.set_password(link, pin, new_password + "x", new_password)  # mismatch
    assert browser.set_password(link, pin, new_password).status_code == 200
    reset = FormUser()
    reset.open(server.url + "reset")
    reset.submit(server.url + "reset", name="Canary", email="c@example.org",
                 confirm_email="c@example.org", pin=pin)  # fmt: skip

    # Left out: the test's own browser (urllib3 lines to the setpass port: it holds the link)
    # and the SMTP sink standing in for the helpdesk's mail server (it receives the PIN).
    browser_side = f"127.0.0.1:{server.url.rsplit(':', 1)[1].strip('/')}"
    text = "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.name != "mail.log"
        and not (r.name.startswith("urllib3") and browser_side in r.getMessage())
    )
    assert "POST /?token=[redacted]" in text  # the access log was captured, redacted
    for secret in (token, temporary, new_password, "Wrong-pin-pass-1"):
        assert secret not in text
    assert _hexfree(pin, text)


def test_a_client_that_never_loaded_the_form_gets_the_links_state(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    clock: FakeClock,
) -> None:
    """anchors-moc.md §2.2: unknown/used/superseded -> 404, locked/expired -> 403, in words."""
    server = setpass_factory(max_attempts=3)
    client = SetpassClient(keystone_admin.session, server.url)
    fields = {"pin": PIN, "password": "Whatever-pass-1", "confirm_password": "Whatever-pass-1"}

    def plain_post(token: str) -> tuple[int, str]:
        answer = requests.post(f"{server.url}?token={token}", data=fields, timeout=30)
        return answer.status_code, answer.text

    assert plain_post(secrets.token_urlsafe(32)) == (404, "Token not found")
    renewed, renewed_temp = new_user(keystone_admin, unique_name)
    superseded = client.register(renewed.id, renewed_temp, PIN)
    client.register(renewed.id, renewed_temp, PIN)
    assert plain_post(superseded) == (404, "Token not found")
    used, used_temp = new_user(keystone_admin, unique_name)
    used_token = client.register(used.id, used_temp, PIN)
    browser = FormUser()
    browser.open(client.link(used_token))
    assert browser.set_password(client.link(used_token), PIN, "My-own-pass-1").status_code == 200
    assert plain_post(used_token) == (404, "Token not found")
    locked, locked_temp = new_user(keystone_admin, unique_name)
    locked_token = client.register(locked.id, locked_temp, PIN)
    guesser = FormUser()
    guesser.open(client.link(locked_token))
    for _ in range(3):
        guesser.set_password(client.link(locked_token), "0000", "Whatever-pass-1")
    assert plain_post(locked_token) == (403, "Account locked, too many wrong attempts!")
    old, old_temp = new_user(keystone_admin, unique_name)
    old_token = client.register(old.id, old_temp, PIN)
    clock.advance(48 * 3600 + 1)
    assert plain_post(old_token) == (403, "Token expired")
    # a usable link still needs the form's CSRF field before anything about the PIN
    fresh = client.register(old.id, old_temp, "1111")
    status, text = plain_post(fresh)
    assert status == 400 and "expired" in text
    assert services_of(server.app).store.by_token_hash(hash_token(fresh)).attempts == 0  # type: ignore[union-attr]


def test_a_used_links_page_points_to_the_reset_form(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, setpass_server.url)
    link = client.link(client.register(user.id, temporary, PIN))
    browser = FormUser()
    browser.open(link)
    assert browser.set_password(link, PIN, "My-own-pass-1").status_code == 200
    used = browser.open(link)
    assert used.status_code == 404 and message_of(used) == "Token not found"
    assert re.search(r'<a id="reset" href="/reset">', used.text), used.text


# A trigger that makes every INSERT into the registrations fail, per backend.
REFUSE_INSERTS = {
    "sqlite": [
        "CREATE TRIGGER canary BEFORE INSERT ON setpass_registrations"
        " BEGIN SELECT RAISE(ABORT, 'database failure'); END"
    ],
    "mysql": [
        "CREATE TRIGGER canary BEFORE INSERT ON setpass_registrations FOR EACH ROW"
        " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'database failure'"
    ],
    "postgresql": [
        "CREATE FUNCTION canary() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN RAISE EXCEPTION 'database failure'; END $$",
        "CREATE TRIGGER canary BEFORE INSERT ON setpass_registrations FOR EACH ROW"
        " EXECUTE FUNCTION canary()",
    ],
}


def test_no_statement_parameter_reaches_a_log_when_the_database_fails(
    setpass_factory: StartServer,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """SQLAlchemy's error text carries the parameters unless the engine hides them."""
    caplog.set_level(logging.DEBUG)
    server = setpass_factory()
    store = services_of(server.app).store
    keyring = services_of(server.app).keyring
    pin = reset_form.PIN
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, server.url)
    token = client.register(user.id, temporary, pin)
    # 1. an INSERT fails (a trigger refuses it): its parameters are the PIN hash and the
    #    encrypted temporary password
    other, other_temp = new_user(keystone_admin, unique_name)
    with store.engine.begin() as conn:
        for statement in REFUSE_INSERTS[store.engine.dialect.name]:
            conn.exec_driver_sql(statement)
    put = requests.put(
        f"{server.url}token/{other.id}",
        json={"password": other_temp, "pin": pin},
        headers={"X-Auth-Token": keystone_admin.session.get_token()},
        timeout=30,
    )
    assert put.status_code == 500
    # 2. the table is gone: the form's SELECT carries the link token's hash
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE setpass_registrations")
    fields = {"pin": pin, "password": "Whatever-pass-1", "confirm_password": "Whatever-pass-1"}
    post = requests.post(client.link(token), data=fields, timeout=30)
    assert post.status_code == 500

    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert logged.count("Exception on ") >= 2  # the failures were logged ...
    for canary in (hash_token(token), keyring.hash_pin(other.id, pin), "gAAAAA", other_temp):
        assert canary not in logged  # ... without their parameters


def test_default_limits_let_a_class_behind_one_address_sign_up(
    setpass_server: SetpassServer,
) -> None:
    """100 people, one NAT address, the same minute: each opens the form, posts it three times
    (say a typo, a wrong PIN, then right) and asks for a reset; nobody is told to wait."""
    fields = {"pin": PIN, "password": "Whatever-pass-1", "confirm_password": "Whatever-pass-1"}
    http = requests.Session()
    statuses: set[int] = set()
    for _ in range(100):
        link = f"{setpass_server.url}?token={secrets.token_urlsafe(32)}"
        statuses.add(http.get(link, timeout=30).status_code)
        statuses.update(http.post(link, data=fields, timeout=30).status_code for _ in range(3))
        statuses.add(http.post(setpass_server.url + "reset", data={}, timeout=30).status_code)
    assert 429 not in statuses, statuses


def test_the_example_config_states_the_default_limits() -> None:
    """The example explains the defaults; it must not quietly differ from them."""
    example = Path(__file__).resolve().parents[2] / "config" / "setpass.conf.example"
    values = dict(
        line.split(" = ", 1) for line in example.read_text().splitlines() if " = " in line
    )
    defaults = Settings(secret_key="x" * 32)
    for key in ("form_rate_limit", "reset_rate_limit", "api_rate_limit"):
        limit: RateLimit = getattr(defaults, key)
        assert values[key] == f"{limit.count}/{int(limit.seconds)}", key
