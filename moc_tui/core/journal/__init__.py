"""The journal: what each request has done, mail to send, errors and the audit trail."""

from moc_tui.core.journal.journal import REKEYED, Journal
from moc_tui.core.journal.records import AuditRecord, ErrorRecord, OutboxItem, StepRecord

__all__ = ["REKEYED", "AuditRecord", "ErrorRecord", "Journal", "OutboxItem", "StepRecord"]
