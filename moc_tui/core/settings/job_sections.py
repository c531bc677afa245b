"""Settings sections of the cron jobs and quota checks: helpdesk tickets, reminders, backups,
activation reminders, quota ceilings. Split from the loader to keep each module short."""

from __future__ import annotations

from moc_tui.core.quota_keys import QUOTA_FORM_FIELDS
from moc_tui.core.settings.model import (
    ActivationSettings,
    BackupSettings,
    HelpdeskSettings,
    ReminderSettings,
)
from moc_tui.core.settings.reader import SectionReader

FORMATTINGS = ("plain", "html")
HELPDESK_KEYS = (
    "email",
    "template",
    "timestamp_format",
    "priority",
    "queue",
    "access_subject",
    "quota_subject",
)
REMINDER_KEYS = (
    "email",
    "template",
    "detail_template",
    "subject",
    "formatting",
    "start",
    "interval",
)
BACKUP_KEYS = ("keep_daily", "keep_weekly")
ACTIVATION_KEYS = ("max_reminders",)


def helpdesk(r: SectionReader) -> HelpdeskSettings:
    d = HelpdeskSettings()
    settings = HelpdeskSettings(
        email=r.email("email"),
        template=r.path("template"),
        timestamp_format=r.text("timestamp_format", d.timestamp_format) or d.timestamp_format,
        priority=r.text("priority", d.priority) or d.priority,
        queue=r.text("queue", d.queue) or d.queue,
        access_subject=r.text("access_subject", d.access_subject) or d.access_subject,
        quota_subject=r.text("quota_subject", d.quota_subject) or d.quota_subject,
    )
    if "%" not in settings.timestamp_format:
        r.problem("timestamp_format", "must be a strftime format such as %d %b %Y %H:%M:%S")
    r.refuse_unknown(HELPDESK_KEYS)
    return settings


def reminder(r: SectionReader) -> ReminderSettings:
    d = ReminderSettings()
    settings = ReminderSettings(
        email=r.email("email"),
        template=r.path("template"),
        detail_template=r.path("detail_template"),
        subject=r.text("subject", d.subject) or d.subject,
        formatting=r.choice("formatting", FORMATTINGS, "html"),
        start=r.integer("start", d.start, minimum=1),
        interval=r.integer("interval", d.interval, minimum=1),
    )
    r.refuse_unknown(REMINDER_KEYS)
    return settings


def backup(r: SectionReader) -> BackupSettings:
    d = BackupSettings()
    settings = BackupSettings(
        keep_daily=r.integer("keep_daily", d.keep_daily, minimum=1, maximum=3650),
        keep_weekly=r.integer("keep_weekly", d.keep_weekly, minimum=0, maximum=520),
    )
    r.refuse_unknown(BACKUP_KEYS)
    return settings


def activation(r: SectionReader) -> ActivationSettings:
    d = ActivationSettings()
    settings = ActivationSettings(
        max_reminders=r.integer("max_reminders", d.max_reminders, minimum=0, maximum=20)
    )
    r.refuse_unknown(ACTIVATION_KEYS)
    return settings


def quota_ceilings(r: SectionReader) -> dict[str, int]:
    r.refuse_unknown(QUOTA_FORM_FIELDS)
    return {
        key: r.integer(key, 0, minimum=1) for key in QUOTA_FORM_FIELDS if r.raw(key) is not None
    }
