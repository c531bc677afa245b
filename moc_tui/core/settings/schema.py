"""The sections and keys of settings.ini, in one place: what the loader reads and refuses, and
which key names an error may show (on a line it cannot parse, only a known key name is named)."""

from __future__ import annotations

from moc_tui.core.quota_keys import QUOTA_ALIASES, QUOTA_SERVICE
from moc_tui.core.settings import job_sections
from moc_tui.core.settings.columns import ACCESS_COLUMNS, QUOTA_COLUMNS

EMAIL_SECTIONS = (
    "welcome_email",
    "new_project_email",
    "password_email",
    "password_reset_email",
    "quota_email",
    "added_to_project_email",
    "activation_reminder_email",
)
DEFAULT_SUBJECTS = {
    "welcome_email": "Welcome to the cloud",
    "new_project_email": "Your new cloud project",
    "password_email": "Choose your cloud password",
    "password_reset_email": "Your cloud password was reset",
    "quota_email": "Quota change for your cloud project {project}",
    "added_to_project_email": "You were added to a cloud project",
    "activation_reminder_email": "Reminder: choose your cloud password",
}
EMAIL_KEYS = ("template", "subject", "cc_list", "formatting", "sender")
AUTH_KEYS = (
    "auth_url",
    "admin_user",
    "admin_pwd",
    "admin_project",
    "user_domain",
    "project_domain",
    "member_role",
    "ca_file",
    "timeout",
)
SMTP_KEYS = ("host", "port", "security", "ca_file", "username", "password", "timeout")
SETPASS_KEYS = ("setpass_url", "token_expiration", "setpass_config")
# setpass's default `token_expiration` (a test holds the two equal)
DEFAULT_LINK_LIFETIME = 48 * 3600
EMAIL_DEFAULT_URLS = ("login_url", "terms_url", "getting_started_url", "password_reset_form_url")
FORMATTINGS = ("plain", "html")
SHEET_KEYS = (
    "auth_file",
    "worksheet_key",
    "local_store",
    "api_base",
    "timeout",
    "call_deadline",
    "requests_tab",
    "done_tab",
)
# Sections of the original file that this version does not use.
RETIRED_SECTIONS = {
    "nova": "the compute API version is found from the catalog",
    "mailman": "mailing-list subscription is not done by this version",
    "listserv": "mailing-list subscription is not done by this version",
    "output": "unsent mail stays in the journal's outbox instead of a dump folder",
}
KNOWN_SECTIONS = {
    "auth",
    "setpass",
    "excelsheet",
    "quota_sheet",
    "helpdesk",
    "email_defaults",
    "reminder",
    "quotas",
    "smtp",
    "state",
    "access_columns",
    "quota_columns",
    "project_aliases",
    "quota_ceilings",
    "backup",
    "activation",
    *EMAIL_SECTIONS,
}
# Key names an error may name even on a line it cannot parse (they are never secrets).
KNOWN_KEY_NAMES = frozenset(
    {
        *AUTH_KEYS,
        *SMTP_KEYS,
        *SHEET_KEYS,
        *EMAIL_KEYS,
        *EMAIL_DEFAULT_URLS,
        *SETPASS_KEYS,
        "directory",
        "support_email",
        *job_sections.HELPDESK_KEYS,
        *job_sections.REMINDER_KEYS,
        *job_sections.BACKUP_KEYS,
        *job_sections.ACTIVATION_KEYS,
        *ACCESS_COLUMNS,
        *QUOTA_COLUMNS,
        *QUOTA_SERVICE,
        *QUOTA_ALIASES,
    }
)
