"""The journal's records behind the protocol: the errors log, the audit trail and the users
who never activated their account. All read, except acknowledging an error."""

from __future__ import annotations

import dataclasses
from typing import Any

from moc_tui.backend import views
from moc_tui.backend.batch_claim import Emit
from moc_tui.backend.ops.base import SessionState
from moc_tui.core.cron.activation import not_activated
from moc_tui.core.services import Services
from moc_tui.protocol import replies
from moc_tui.protocol.views import NotActivatedView


class RecordOps(SessionState):
    """The journal ops of a session."""

    def op_list_errors(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.ErrorList:
        include = bool(params.get("include_acknowledged", False))
        records = services.journal.errors(include_acknowledged=include)
        return {"errors": [views.error_view(r) for r in records[:500]]}

    def op_ack_error(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.AckReply:
        error_id = params["error_id"]
        done = services.journal.acknowledge_error(error_id, services.operator)
        if done:
            services.journal.audit(services.operator, "ack-error", None, {"error_id": error_id})
        return {"acknowledged": done}

    def op_audit_trail(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.AuditTrail:
        records = services.journal.audit_trail(params["request_key"])
        return {"records": [views.audit_view(r) for r in records[-500:]]}

    def op_list_not_activated(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.NotActivatedList:
        """Users who never set their password, after every renewed link (the cron job's list)."""
        found = not_activated(services.journal)
        users: list[NotActivatedView] = [views.clean(dataclasses.asdict(u)) for u in found[-500:]]
        return {"users": users}
