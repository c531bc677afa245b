"""Settings of the setpass service, read from the original's `setpass.conf` format.

The original used oslo.config: an INI file whose keys sit in `[DEFAULT]`. We read the same file
with `configparser` (no interpolation, so `%` in a secret is literal) and keep every original key.
New keys: `secret_key` (or `secret_key_file`), `login_url`, the mail TLS/auth keys, the rate limits,
`proxy_count`, `min_password_length` / `max_password_length`, `admin_role`.

Relative paths in the file (an SQLite file, the helpdesk template, key files) are resolved against
the directory of the config file, never the working directory (a flaw of the original).
"""

from __future__ import annotations

import configparser
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

ENV_VAR = "SETPASS_CONFIG"
# Absolute on purpose: the original also looked relative to the working directory.
STANDARD_PATHS: tuple[Path, ...] = (Path("/etc/setpass/setpass.conf"), Path("/etc/setpass.conf"))
DEFAULT_DATABASE = "sqlite:////var/lib/setpass/setpass.db"
SECTION = "DEFAULT"

MailSecurity = Literal["starttls", "tls", "none"]

_KNOWN_KEYS = frozenset(
    {
        # original keys
        "database",
        "port",
        "auth_url",
        "admin_project_name",
        "admin_project_domain_id",
        "token_expiration",
        "max_attempts",
        "helpdesk_email",
        "ticket_sender",
        "ticket_subject",
        "mail_ip",
        "mail_port",
        "helpdesk_template",
        # new keys
        "host",
        "secret_key",
        "secret_key_file",
        "admin_role",
        "admin_cache_seconds",
        "login_url",
        "keystone_timeout",
        "keystone_ca_file",
        "mail_security",
        "mail_ca_file",
        "mail_username",
        "mail_password",
        "mail_local_hostname",
        "mail_timeout",
        "form_rate_limit",
        "reset_rate_limit",
        "api_rate_limit",
        "proxy_count",
        "min_password_length",
        "max_password_length",
        "secure_cookies",
    }
)


class ConfigError(ValueError):
    """Every problem found in a config file, in plain words, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("setpass configuration problems:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class RateLimit:
    """At most `count` requests per `seconds` from one client."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Settings:
    """Everything the service needs; build it with `load_settings` or directly in tests."""

    secret_key: str
    database: str = DEFAULT_DATABASE
    auth_url: str = "http://localhost:5000/v3"
    admin_project_name: str = "admin"
    admin_project_domain_id: str = "default"
    admin_role: str = "admin"
    # A token found to be admin is trusted this long without asking Keystone again (a batch of
    # PUTs shares one token); a revoked admin token is honoured at most this much longer.
    admin_cache_seconds: float = 30.0
    token_expiration: int = 48 * 3600  # the welcome emails promise 48 hours
    max_attempts: int = 3
    login_url: str = ""
    keystone_timeout: float = 10.0
    keystone_ca_file: str | None = None
    helpdesk_email: str = ""
    ticket_sender: str = "root@localhost"
    ticket_subject: str = "New Ticket"
    helpdesk_template: str | None = None
    mail_ip: str = "127.0.0.1"
    mail_port: int = 25
    mail_security: MailSecurity = "starttls"
    mail_ca_file: str | None = None
    mail_username: str | None = None
    mail_password: str | None = field(default=None, repr=False)
    mail_local_hostname: str = "localhost"
    mail_timeout: float = 10.0
    # Per client address. A class of 100 behind one NAT signs up at once: each opens the form
    # and posts it a few times, so the limits only bound load. Guessing is stopped per link
    # (max_attempts) and link tokens are 32 random bytes; see config/setpass.conf.example.
    form_rate_limit: RateLimit = RateLimit(600, 60.0)
    reset_rate_limit: RateLimit = RateLimit(100, 3600.0)
    api_rate_limit: RateLimit = RateLimit(600, 60.0)
    proxy_count: int = 0
    min_password_length: int = 8
    max_password_length: int = 72  # bcrypt, Keystone's hash, ignores the rest
    secure_cookies: bool = False  # the cookie is Secure on https anyway; True forces it
    host: str = "127.0.0.1"
    port: int = 5001

    def __repr__(self) -> str:
        """Never print the secret key or the mail password (tracebacks, debug logs)."""
        return f"Settings(database={self.database!r}, auth_url={self.auth_url!r}, ...)"


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The explicit path, else $SETPASS_CONFIG, else the first standard place that exists."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    for candidate in STANDARD_PATHS:
        if candidate.is_file():
            return candidate
    return None


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read and check a config file; raise ConfigError listing every problem at once."""
    found = find_config(path)
    if found is None:
        places = ", ".join(str(p) for p in STANDARD_PATHS)
        raise ConfigError([f"no config file given and none found at {places} or ${ENV_VAR}"])
    if not found.is_file():
        raise ConfigError([f"config file {found} does not exist"])
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with found.open(encoding="utf-8-sig") as fh:  # a BOM (Windows editors) is not a key
            parser.read_file(fh)
    except configparser.Error as exc:
        raise ConfigError([f"cannot read {found}: {_parse_problem(exc)}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"cannot read {found}: not UTF-8 text (byte {exc.start})"]) from None
    except OSError as exc:
        raise ConfigError([f"cannot read {found}: {exc.strerror or type(exc).__name__}"]) from None
    values = dict(parser[SECTION])
    for section in parser.sections():  # oslo.config accepted keys only in [DEFAULT]
        log.warning("setpass config: section [%s] is ignored; keys belong in [DEFAULT]", section)
    problems: list[str] = []
    if "secret_key" in values and found.stat().st_mode & stat.S_IROTH:
        problems.append(f"{found} holds secret_key but is world-readable: chmod o-r {found}")
    return settings_from_mapping(values, base_dir=found.resolve().parent, problems=problems)


def _parse_problem(exc: configparser.Error) -> str:
    """configparser's own messages quote the offending line, which may hold a secret (a
    `secret_key` line above a missing `[DEFAULT]`, a password's stray continuation): these name
    the line and what is wrong, never its text, and a key only when it is one of ours."""
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"line {exc.lineno}: a key before any section; the file starts with [{SECTION}]"
    if isinstance(exc, configparser.DuplicateOptionError):
        key = repr(exc.option) if exc.option in _KNOWN_KEYS else "a key"
        return f"line {exc.lineno}: {key} is set twice"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"line {exc.lineno}: a section is repeated"
    if isinstance(exc, configparser.ParsingError):
        lines = ", ".join(str(number) for number, _text in exc.errors)
        return f"line {lines}: not a `key = value` line"
    return f"not an INI file ({type(exc).__name__})"


def _resolve(base_dir: Path, value: str) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base_dir / path)


def _resolve_database(base_dir: Path, url: str) -> str:
    """`sqlite:///relative.db` is relative to the config file, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////"):
        rest = url[len(prefix) :]
        if rest and not rest.startswith(":memory:"):
            return prefix + _resolve(base_dir, rest)
    return url


def _unquote(raw: str | None) -> str | None:
    """oslo.config took `key = "value"` as `value`; the seeds' files quote the database URL."""
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _rate(raw: str) -> RateLimit:
    """`COUNT/SECONDS`, e.g. `10/60`."""
    count, _, seconds = raw.partition("/")
    limit = RateLimit(int(count), float(seconds or "60"))
    if limit.count < 1 or limit.seconds <= 0:
        raise ValueError("must be COUNT/SECONDS with both above zero")
    return limit


def settings_from_mapping(
    values: Mapping[str, str], *, base_dir: Path, problems: list[str] | None = None
) -> Settings:
    """Turn raw strings into Settings; collect every problem before raising."""
    problems = list(problems or [])
    kwargs: dict[str, object] = {}
    unknown = sorted(set(values) - _KNOWN_KEYS)
    if unknown:
        log.warning("setpass config: unknown keys ignored: %s", ", ".join(unknown))

    def text(key: str) -> str | None:
        raw = _unquote(values.get(key))
        return raw.strip() if raw is not None and raw.strip() != "" else None

    def convert(key: str, kind: type[int] | type[float]) -> None:
        raw = text(key)
        if raw is None:
            return
        try:
            kwargs[key] = kind(raw)
        except ValueError:
            problems.append(
                f"{key} = {raw!r} is not a {'number' if kind is float else 'whole number'}"
            )

    for key in ("auth_url", "admin_project_name", "admin_project_domain_id", "admin_role"):
        if (raw := text(key)) is not None:
            kwargs[key] = raw.rstrip("/") if key == "auth_url" else raw
    for key in ("login_url", "helpdesk_email", "ticket_sender", "ticket_subject", "mail_ip"):
        if (raw := text(key)) is not None:
            kwargs[key] = raw
    for key in ("mail_username", "mail_password", "mail_local_hostname", "host"):
        if (raw := text(key)) is not None:
            kwargs[key] = raw
    for key in ("helpdesk_template", "mail_ca_file", "keystone_ca_file"):
        if (raw := text(key)) is not None:
            kwargs[key] = _resolve(base_dir, raw)
    for key in ("token_expiration", "max_attempts", "mail_port", "proxy_count", "port"):
        convert(key, int)
    for key in ("min_password_length", "max_password_length"):
        convert(key, int)
    for key in ("keystone_timeout", "mail_timeout", "admin_cache_seconds"):
        convert(key, float)
    for key in ("form_rate_limit", "reset_rate_limit", "api_rate_limit"):
        if (raw := text(key)) is not None:
            try:
                kwargs[key] = _rate(raw)
            except ValueError:
                problems.append(f"{key} = {raw!r} must look like 10/60 (requests per seconds)")
    if (raw := text("secure_cookies")) is not None:
        if raw.lower() not in {"true", "false", "yes", "no", "1", "0", "on", "off"}:
            problems.append(f"secure_cookies = {raw!r} must be true or false")
        kwargs["secure_cookies"] = raw.lower() in {"true", "yes", "1", "on"}
    if (raw := text("mail_security")) is not None:
        if raw not in ("starttls", "tls", "none"):
            problems.append(f"mail_security = {raw!r} must be starttls, tls or none")
        else:
            kwargs["mail_security"] = raw

    database = text("database")
    if database is not None:
        if database in ("sqlite://", "sqlite:///") or ":memory:" in database:
            problems.append(
                "database is an in-memory SQLite database: every token would be lost on restart;"
                " give a file (sqlite:////var/lib/setpass/setpass.db) or a server URL"
            )
        kwargs["database"] = _resolve_database(base_dir, database)

    secret = text("secret_key")
    key_file = text("secret_key_file")
    if secret is None and key_file is not None:
        try:
            secret = Path(_resolve(base_dir, key_file)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            problems.append(f"secret_key_file {key_file}: {exc.strerror}")
    if secret is None:
        problems.append(
            "secret_key (or secret_key_file) is missing: it encrypts the temporary passwords"
            " and keys the PIN hashes; make one with `setpass genkey`"
        )
    elif len(secret) < 32:
        problems.append("secret_key is shorter than 32 characters; make one with `setpass genkey`")

    settings: Settings | None = None
    if not problems:
        settings = Settings(secret_key=secret or "", **kwargs)  # type: ignore[arg-type]
        problems.extend(check(settings))
    if problems or settings is None:
        raise ConfigError(problems)
    return settings


def check(settings: Settings) -> list[str]:
    """Value checks shared by files and settings built in code."""
    problems: list[str] = []
    if settings.token_expiration <= 0:
        problems.append(
            "token_expiration must be a number of seconds above zero (the original's default of"
            " 0 expired every link at once); the emails promise 48 hours = 172800"
        )
    if not 0 <= settings.admin_cache_seconds <= 300:
        problems.append("admin_cache_seconds must be between 0 and 300")
    if settings.max_attempts < 1:
        problems.append("max_attempts must be 1 or more")
    if not settings.auth_url.startswith(("http://", "https://")):
        problems.append(f"auth_url {settings.auth_url!r} must start with http:// or https://")
    if settings.min_password_length < 1 or (
        settings.max_password_length < settings.min_password_length
    ):
        problems.append("min_password_length must be at least 1 and not above max_password_length")
    if not 0 <= settings.proxy_count <= 5:
        problems.append("proxy_count must be between 0 and 5")
    if settings.mail_username and not settings.mail_password:
        problems.append("mail_username is set but mail_password is not")
    return problems
