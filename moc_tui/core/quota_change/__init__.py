"""Quota change requests: plan (current -> requested -> applied), apply with read-back, mail the
applied values, move the rows to `Processed Requests`."""

from moc_tui.core.quota_change.engine import (
    QuotaContext,
    QuotaResult,
    apply_quota_requests,
)
from moc_tui.core.quota_change.plan import QuotaLine, QuotaPlan, plan_quota_changes

__all__ = [
    "QuotaContext",
    "QuotaLine",
    "QuotaPlan",
    "QuotaResult",
    "apply_quota_requests",
    "plan_quota_changes",
]
