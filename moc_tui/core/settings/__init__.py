"""Settings: one `settings.ini`, compatible with the original, validated all at once."""

from moc_tui.core.settings.loader import SettingsError, load_settings
from moc_tui.core.settings.model import (
    AuthSettings,
    EmailSettings,
    HelpdeskSettings,
    ReminderSettings,
    Settings,
    SheetSettings,
    SmtpSecurity,
    SmtpSettings,
)
from moc_tui.core.settings.reader import Problem

__all__ = [
    "AuthSettings",
    "EmailSettings",
    "HelpdeskSettings",
    "Problem",
    "ReminderSettings",
    "Settings",
    "SettingsError",
    "SheetSettings",
    "SmtpSecurity",
    "SmtpSettings",
    "load_settings",
]
