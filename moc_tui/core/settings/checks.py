"""What `moc-tui check` verifies beyond what every command's loader does.

The loader refuses a file the program cannot run with; these checks read what a run reads later
(the Google key as google-auth will load it, every mail template, setpass's link lifetime, the
backend's rules for the settings file) so a problem shows before a batch, not in the middle of it.
Nothing here goes on the network. Messages name files and keys, never a secret's value.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from moc_tui.core.settings.loader import duration_words
from moc_tui.core.settings.model import Settings
from moc_tui.core.settings.secret_files import backend_file_problems, secret_file_problems

EXAMPLE_HOSTS = ("example.org", "example.com", "example.net")


@dataclass
class Findings:
    """Problems (check fails) and warnings (check passes, but says so), plus plain notes."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def is_example_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in EXAMPLE_HOSTS)


def example_urls(settings: Settings) -> list[str]:
    """A warning for each URL setting that still points at the example's hosts."""
    urls = [("auth", "auth_url", settings.auth.auth_url), ("setpass", "setpass_url",
            settings.setpass_url)]  # fmt: skip
    urls += [("email_defaults", k, v) for k, v in settings.email_defaults.items()]
    for section, email in settings.emails.items():
        urls += [(section, k, v) for k, v in email.placeholders.items()]
    return [
        f"[{section}] {key} still points at {urlsplit(value.strip()).hostname}: "
        "give your site's address"
        for section, key, value in urls
        if value.strip().lower().startswith(("http://", "https://"))
        and is_example_host(value.strip())
    ]


def google_key_problems(path: Path) -> list[str]:
    """Load the key file exactly as the Google store will (google-auth, no network)."""
    from moc_tui.core.sheets.google_client import load_key_file, usable_credentials
    from moc_tui.core.sheets.store import SheetError

    if secret_file_problems(path, "key"):
        return []  # the loader already said why
    try:
        info = load_key_file(path)
    except SheetError as error:
        return [str(error)]  # it names the file
    try:
        usable_credentials(info)
    except SheetError as error:
        return [f"the Google key file {path}: {error}"]
    return []


def setpass_default_lifetime() -> int:
    """setpass's own default `token_expiration` (what it uses when its file sets none)."""
    from setpass.config import Settings as SetpassSettings

    default = SetpassSettings.__dataclass_fields__["token_expiration"].default
    assert isinstance(default, int)
    return default


def link_lifetime(settings: Settings, findings: Findings) -> None:
    """Compare the lifetime the mails state with setpass's `token_expiration`, when this host
    has setpass's configuration: `[setpass] setpass_config`, else setpass's own search
    ($SETPASS_CONFIG, /etc/setpass/setpass.conf, /etc/setpass.conf)."""
    from setpass.config import SECTION, find_config

    stated = f"{settings.link_lifetime} s ({duration_words(settings.link_lifetime)})"
    path = settings.setpass_config or find_config()
    if path is None:
        findings.notes.append(
            f"link lifetime in mails: {stated}; setpass's configuration is not on this host, "
            "so it was not compared (set [setpass] setpass_config to compare)"
        )
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_bytes().decode("utf-8-sig"), source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not a readable ini file"
        text = f"setpass's configuration {path} cannot be read ({reason})"
        if settings.setpass_config is not None:
            findings.problems.append(f"[setpass] setpass_config: {text}")
        else:
            findings.notes.append(f"link lifetime in mails: {stated}; {text}, not compared")
        return
    raw = parser.get(SECTION, "token_expiration", fallback="").strip()
    try:
        theirs = int(raw) if raw else setpass_default_lifetime()
    except ValueError:
        findings.problems.append(f"{path}: token_expiration is not a whole number of seconds")
        return
    if theirs != settings.link_lifetime:
        findings.problems.append(
            f"[setpass] token_expiration: the mails say links last {stated}, but setpass "
            f"({path}) makes them last {theirs} s ({duration_words(theirs)}); set the same "
            "value in both"
        )
    else:
        findings.notes.append(f"link lifetime in mails: {stated}, as setpass's {path}")


def key_file_problems(settings: Settings) -> list[str]:
    """Each configured Google key that google-auth would refuse (the backend refuses to start)."""
    problems = []
    for sheet in (settings.access_sheet, settings.quota_sheet):
        if sheet is not None and sheet.auth_file is not None:
            problems += [
                f"[{sheet.section}] auth_file: {p}" for p in google_key_problems(sheet.auth_file)
            ]
    return problems


def file_rules(settings: Settings, findings: Findings) -> None:
    """The backend's rules for the settings file and the key files, applied here too."""
    findings.problems += backend_file_problems(settings.path) + key_file_problems(settings)
