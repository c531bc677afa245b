"""Quota change requests, in one place: the request and its parsing from the quota sheet
(`request`, `parse`), its key (`keys`), what applying it will do (`plan`), the run (`engine`)
and the mail of the applied values (`mail`). Only the request and the parser load here."""

from moc_tui.core.quota.parse import ParsedQuotaTab, parse_quota_requests
from moc_tui.core.quota.request import QuotaRequest

__all__ = ["ParsedQuotaTab", "QuotaRequest", "parse_quota_requests"]
