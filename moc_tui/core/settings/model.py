"""Typed settings: what the rest of the program reads instead of raw ini strings.

Every section of the original `settings.ini` has a class here (the same key names), plus the new
sections for what the original hard-coded: SMTP, column mapping, the state directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from moc_tui.core.access.hold import DEFAULT_NOTE_HEADER


@dataclass(frozen=True)
class AuthSettings:
    """`[auth]`: the Keystone admin the backend acts as (domains default to `default`)."""

    auth_url: str
    admin_user: str
    admin_pwd: str = field(repr=False)
    admin_project: str
    user_domain: str = "default"
    project_domain: str = "default"
    member_role: str = "member"
    ca_file: Path | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class SheetSettings:
    """`[excelsheet]` (access requests) or `[quota_sheet]`: where the requests live.

    Exactly one of `local_store` (the embedded SQLite sheet store) and `auth_file` +
    `worksheet_key` (Google Sheets) is set. `api_base` routes Google API calls to another base
    URL; it exists for the local Sheets fake used by tests and the demo.
    """

    section: str
    auth_file: Path | None = None
    worksheet_key: str | None = None
    local_store: Path | None = None
    api_base: str | None = None
    timeout: float = 30.0
    call_deadline: float = 60.0  # total seconds for one sheet call, retries included
    requests_tab: str = "Form Responses 1"
    done_tab: str = "Current Users"

    @property
    def is_local(self) -> bool:
        return self.local_store is not None


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


@dataclass(frozen=True)
class SmtpSettings:
    """`[smtp]` (new): the original always used 127.0.0.1:25 with unverified STARTTLS."""

    host: str = "127.0.0.1"
    port: int = 25
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    ca_file: Path | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0


@dataclass(frozen=True)
class EmailSettings:
    """One `[..._email]` section: template, subject, cc, plus free keys that fill placeholders."""

    section: str
    template: Path | None = None
    subject: str = ""
    cc_list: tuple[str, ...] = ()
    formatting: str = "plain"
    sender: str | None = None
    placeholders: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReminderSettings:
    """`[reminder]`: digest of requests left unapproved, `start` then every `interval` hours."""

    email: str | None = None
    template: Path | None = None
    detail_template: Path | None = None
    subject: str = "Requests waiting for approval"
    formatting: str = "html"
    start: int = 24
    interval: int = 24


@dataclass(frozen=True)
class HelpdeskSettings:
    """`[helpdesk]`: where tickets go and how they look (fields of the original's tickets)."""

    email: str | None = None
    template: Path | None = None
    timestamp_format: str = "%d %b %Y %H:%M:%S"
    priority: str = "High"
    queue: str = "Monitoring"
    access_subject: str = "MOC Access Request"
    quota_subject: str = "MOC Change Quota"


@dataclass(frozen=True)
class BackupSettings:
    """`[backup]` (new): how many sheet snapshots the backup job keeps."""

    keep_daily: int = 14
    keep_weekly: int = 8


@dataclass(frozen=True)
class ActivationSettings:
    """`[activation]` (new): renewed links for users who never set their password."""

    max_reminders: int = 2


@dataclass(frozen=True)
class Settings:
    """The whole validated `settings.ini`."""

    path: Path
    auth: AuthSettings
    setpass_url: str
    access_sheet: SheetSettings
    quota_sheet: SheetSettings | None
    smtp: SmtpSettings
    state_dir: Path
    helpdesk: HelpdeskSettings
    reminder: ReminderSettings
    email_defaults: dict[str, str]
    emails: dict[str, EmailSettings]
    quotas: dict[str, int]
    access_columns: dict[str, str]
    quota_columns: dict[str, str]
    project_aliases: dict[str, str] = field(default_factory=dict)
    # `[access_columns] helpdesk_note`: the optional note column holds and denials go to
    access_note_header: str = DEFAULT_NOTE_HEADER
    quota_ceilings: dict[str, int] = field(default_factory=dict)
    backup: BackupSettings = field(default_factory=BackupSettings)
    activation: ActivationSettings = field(default_factory=ActivationSettings)
    # `[setpass] token_expiration`: the link lifetime the mails state (setpass's own default)
    link_lifetime: int = 48 * 3600
    # `[setpass] setpass_config`: setpass's config file, when `check` may compare the lifetime
    setpass_config: Path | None = None
    warnings: tuple[str, ...] = ()
