"""Units of the setpass service: config, crypto, PIN rules, rate limit, redaction, mail checks."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from setpass import mail, schema
from setpass.config import ConfigError, RateLimit, load_settings
from setpass.crypto import DecryptError, Keyring, hash_token, new_token, valid_pin
from setpass.engine import engine_url, make_engine, shown
from setpass.keystone import AdminTokenCache, plain_policy_message
from setpass.ratelimit import RateLimiter
from setpass.web import RedactTokenFilter, redact

SECRET = "k" * 40


def write_conf(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_original_conf_keys_are_read(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path / "setpass.conf",
        f"""[DEFAULT]
database = sqlite:///state/setpass.db
port = 5001
auth_url = https://keystone.example.org:5000/v3/
admin_project_name = admin
admin_project_domain_id = default
token_expiration = 86400
max_attempts = 5
helpdesk_email = help@example.org
ticket_sender = setpass@example.org
ticket_subject = New Ticket
mail_ip = 10.0.0.5
mail_port = 587
helpdesk_template = templates/ticket.txt
secret_key = {SECRET}
login_url = https://dashboard.example.org
form_rate_limit = 20/60
""",
    )
    s = load_settings(conf)
    assert s.database == f"sqlite:///{tmp_path}/state/setpass.db"  # relative to the file
    assert s.auth_url == "https://keystone.example.org:5000/v3"
    assert (s.token_expiration, s.max_attempts, s.mail_port) == (86400, 5, 587)
    assert s.helpdesk_template == str(tmp_path / "templates/ticket.txt")
    assert s.form_rate_limit == RateLimit(20, 60.0)
    assert SECRET not in repr(s)


def test_defaults_fix_the_originals_flaws(tmp_path: Path) -> None:
    s = load_settings(write_conf(tmp_path / "c.conf", f"[DEFAULT]\nsecret_key = {SECRET}\n"))
    assert s.database.startswith("sqlite:////")  # a file, not in-memory
    assert s.token_expiration == 172800  # 48 h, as the emails promise
    assert s.max_attempts == 3


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path / "bad.conf",
        "[DEFAULT]\ndatabase = sqlite://\ntoken_expiration = soon\nmail_port = x\n"
        "form_rate_limit = lots\nmail_security = maybe\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(conf)
    text = str(caught.value)
    for word in ("in-memory", "token_expiration", "mail_port", "form_rate_limit",
                 "mail_security", "secret_key"):  # fmt: skip
        assert word in text


CANARY = "canary-Sesame-4711"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (f"secret_key = {CANARY}\n", "line 1: a key before any section"),  # no [DEFAULT]
        (f"[DEFAULT]\nmail_password = a\n{CANARY}\n", "line 3: not a `key = value`"),
        (f"[DEFAULT]\nmail_password = a\nmail_password = {CANARY}\n", "'mail_password' is set"),
        (f"[DEFAULT]\n{CANARY} = 1\n{CANARY} = 2\n", "line 3: a key is set twice"),
    ],
)
def test_an_unreadable_file_is_named_by_line_never_quoted(
    tmp_path: Path, text: str, where: str
) -> None:
    """configparser's own messages quote the line; a secret on it must not reach the log."""
    conf = write_conf(tmp_path / "setpass.conf", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(conf)
    assert where in str(caught.value) and str(conf) in str(caught.value)
    assert CANARY not in str(caught.value) and CANARY.lower() not in str(caught.value).lower()


def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path: Path) -> None:
    conf = tmp_path / "setpass.conf"
    conf.write_bytes(f"\ufeff[DEFAULT]\nsecret_key = {SECRET}\n".encode())
    conf.chmod(0o600)
    assert load_settings(conf).secret_key == SECRET


def test_zero_expiry_and_world_readable_secret_refused(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path / "c.conf", f"[DEFAULT]\nsecret_key = {SECRET}\ntoken_expiration = 0\n"
    )
    with pytest.raises(ConfigError, match="token_expiration"):
        load_settings(conf)
    conf.chmod(0o644)
    with pytest.raises(ConfigError, match="world-readable"):
        load_settings(conf)


def test_config_search_uses_env_then_absolute_places(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = write_conf(tmp_path / "env.conf", f"[DEFAULT]\nsecret_key = {SECRET}\nmax_attempts=4\n")
    monkeypatch.setenv("SETPASS_CONFIG", str(conf))
    monkeypatch.chdir(tmp_path)
    assert load_settings().max_attempts == 4
    monkeypatch.delenv("SETPASS_CONFIG")
    write_conf(tmp_path / "setpass.conf", f"[DEFAULT]\nsecret_key = {SECRET}\n")
    if not any(Path(p).exists() for p in ("/etc/setpass.conf", "/etc/setpass/setpass.conf")):
        with pytest.raises(ConfigError, match="no config file"):
            load_settings()  # the working directory is never searched


def test_secret_key_file(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(SECRET + "\n")
    conf = write_conf(tmp_path / "c.conf", "[DEFAULT]\nsecret_key_file = key\n", 0o644)
    assert load_settings(conf).secret_key == SECRET


@pytest.mark.parametrize(
    "pin",
    ["1234\n", "١٢٣٤", "１２３４", "12345", "123", " 1234", "+123", "-123", "0x1F", "1e3",
     "12 34", "", "12\x0034", None, 1234],
)  # fmt: skip
def test_hostile_pins_are_invalid(pin: object) -> None:
    assert not valid_pin(pin)


def test_valid_pins() -> None:
    assert valid_pin("0000") and valid_pin("9731")


def test_tokens_are_random_and_stored_hashed() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    token = tokens.pop()
    assert len(token) == 43 and hash_token(token) != token and len(hash_token(token)) == 64


def test_pin_hash_is_keyed_and_bound_to_the_user() -> None:
    ring, other = Keyring.from_secret(SECRET), Keyring.from_secret("x" * 40)
    stored = ring.hash_pin("u1", "1234")
    assert ring.pin_matches("u1", "1234", stored)
    assert not ring.pin_matches("u1", "1235", stored)
    assert ring.hash_pin("u2", "1234") != stored
    assert other.hash_pin("u1", "1234") != stored  # useless without the key


def test_password_encrypted_at_rest() -> None:
    ring = Keyring.from_secret(SECRET)
    stored = ring.encrypt_password("Temp-Pass-123")
    assert "Temp-Pass-123" not in stored
    assert ring.decrypt_password(stored) == "Temp-Pass-123"
    with pytest.raises(DecryptError):
        Keyring.from_secret("y" * 40).decrypt_password(stored)


def test_rate_limiter_window(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    schema.upgrade(engine)
    now = [datetime(2026, 1, 1, 12, 0, tzinfo=UTC)]
    limiter = RateLimiter("form", RateLimit(2, 10), engine, lambda: now[0])
    assert limiter.hit("a") is None and limiter.hit("a") is None
    wait = limiter.hit("a")
    assert wait is not None and 0 < wait <= 10
    assert limiter.hit("b") is None  # per client
    other = RateLimiter("reset", RateLimit(2, 10), engine, lambda: now[0])
    assert other.hit("a") is None  # per limit
    now[0] += timedelta(seconds=10.5)
    assert limiter.hit("a") is None


def test_token_redacted_from_access_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    assert (
        redact('"GET /?token=abc-DEF_123 HTTP/1.1" 200') == '"GET /?token=[redacted] HTTP/1.1" 200'
    )
    assert redact("/?a=1&token=abc&b=2") == "/?a=1&token=[redacted]&b=2"
    logger = logging.getLogger("test.setpass.redact")
    logger.addFilter(RedactTokenFilter())
    with caplog.at_level(logging.INFO, logger="test.setpass.redact"):
        logger.info('%s - - "%s" %s', "127.0.0.1", "POST /?token=SECRETTOKEN HTTP/1.1", 200)
    assert "SECRETTOKEN" not in caplog.text and "token=[redacted]" in caplog.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Password validation error: You cannot change your password at this time due to "
         "password policy disallowing password changes. Please contact your administrator to "
         "reset your password.", "This account may not change its own password."),
        ("The password does not match the requirements: at least one digit.",
         "The password does not meet the cloud's password rules: at least one digit."),
        ("The new password cannot be identical to a previous password. The total number which "
         "includes the new password must be unique is 3.", "different from your earlier"),
        ("You cannot change your password at this time due to the minimum password age.",
         "changed too recently"),
        ("Invalid input for field 'password': 'Secret-1' is too long", "The cloud refused"),
    ],
)  # fmt: skip
def test_keystone_refusals_in_plain_words(raw: str, expected: str) -> None:
    message = plain_policy_message(raw, ("Secret-1",))
    assert expected in message
    assert "Secret-1" not in message


@pytest.mark.parametrize(
    "email",
    ["victim@example.org\r\nBcc: attacker@evil.example", "alice@example.org\nmallory@evil.example",
     "../../var/lib/helpdesk-home/.profile@example.org", '"a/../../x"@example.org',
     "alice@exаmple.org", "-oProxyCommand=sh@x.y", "--help@x.y", "a@b", "@",
     "a" * 250 + "@x.org", '"quoted local"@x.org', "alice@example.org\u00a0x", "a..b@x.org"],
)  # fmt: skip
def test_hostile_emails_rejected(email: str) -> None:
    assert mail.clean_email(email) is None


@pytest.mark.parametrize(
    "name",
    ["Eve\r\nBcc: attacker@evil.example", "Eve\nApproved: yes", "Eve\x1b]2;PWNED\x07",
     "Bob\u202egnp.exe", "adm\u200bin", "\ufeffEve", "Eve\x00", "", "   ", "x" * 500],
)  # fmt: skip
def test_hostile_names_rejected(name: str) -> None:
    assert mail.clean_name(name) is None


def test_ordinary_names_and_emails_accepted() -> None:
    assert mail.clean_name("  Zoë O'Brien-測試 ") == "Zoë O'Brien-測試"
    assert mail.clean_name("$(touch /tmp/x); `id`") == "$(touch /tmp/x); `id`"
    assert mail.clean_email(" alice.b+tag@example.org ") == "alice.b+tag@example.org"


def test_no_module_is_too_long() -> None:
    root = Path(__file__).resolve().parents[2]
    for package in ("setpass", "setpass_client"):
        for path in (root / package).rglob("*.py"):
            lines = len(path.read_text().splitlines())
            assert lines <= 400, f"{path} has {lines} lines"


def test_the_seeds_database_line_is_accepted_as_written(tmp_path: Path) -> None:
    """/etc/setpass.conf of the seeds: `database = "mysql://setpass:...@localhost/setpass"`."""
    conf = tmp_path / "setpass.conf"
    conf.write_text(
        '[DEFAULT]\ndatabase = "mysql://setpass:s3cret@localhost/setpass"\n'
        f"secret_key = {'k' * 40}\n"
    )
    conf.chmod(0o600)
    settings = load_settings(conf)
    assert settings.database == "mysql://setpass:s3cret@localhost/setpass"
    url = engine_url(settings.database)
    assert (url.drivername, url.host, url.database) == ("mysql+pymysql", "localhost", "setpass")
    assert shown(settings.database) == "mysql+pymysql://setpass:***@localhost/setpass"
    assert engine_url("postgresql://u:p@h/d").drivername == "postgresql+psycopg"
    assert make_engine(settings.database).dialect.driver == "pymysql"  # no connection made


def test_admin_token_cache_is_bounded() -> None:
    """Many admins' (or a flood of) valid tokens never grow a worker's cache past its size."""
    cache = AdminTokenCache(size=4)
    for n in range(10):
        cache.add(f"t{n}", now=0.0, expiry=30.0)
        assert len(cache) <= 4
    assert cache.holds("t9", 1.0) and not cache.holds("t0", 1.0)  # the oldest went first
    assert not cache.holds("t9", 31.0)  # and entries expire
    cache.add("late", now=40.0, expiry=70.0)  # the expired ones are dropped before the live
    assert len(cache) == 1 and cache.holds("late", 41.0)
