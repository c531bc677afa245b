"""MOC helpdesk onboarding: approved signup requests become working OpenStack accounts.

Kept import-free so that `moc_tui.core` stays cheap to import in cron jobs and the backend.
"""

__version__ = "0.1.0"
