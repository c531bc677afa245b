"""The cron side: helpdesk tickets, approval reminders, activation reminders, sheet backups.

Every job here is headless (no Textual), runs under a lock file in the state directory, and is
safe to rerun after a crash: what was mailed is recorded in the journal before the sheet is
stamped, so a rerun finishes the stamping instead of mailing again.
"""
