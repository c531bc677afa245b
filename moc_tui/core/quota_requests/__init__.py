"""Quota change requests from the quota sheet."""

from moc_tui.core.quota_requests.parse import ParsedQuotaTab, parse_quota_requests
from moc_tui.core.quota_requests.request import QuotaRequest

__all__ = ["ParsedQuotaTab", "QuotaRequest", "parse_quota_requests"]
