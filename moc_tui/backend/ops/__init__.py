"""The operations behind the protocol, one module per kind, and the one table that names them.

`Session.handle` is the single entry point: `hello` names the operator, then every op named in
`protocol.wire.SCHEMAS` (but `cancel`, which the server's inbox answers while an op runs) is
looked up in `HANDLERS` and called with the session, its services, the checked parameters and
the event callback. The ops of each kind live beside it: `access` (list, plan, provision, edit),
`hold` (hold, deny, release), `quota` (list, plan, apply), `reset` (a password reset), `records`
(errors, audit trail, users not activated) and `lookup` (suggestions and user search while the
operator types). A viewer (`roles`) is refused every op of `protocol.wire.MUTATING`.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from moc_tui import __version__
from moc_tui.backend import roles, views
from moc_tui.backend.batch_claim import Emit
from moc_tui.backend.ops.access import AccessOps
from moc_tui.backend.ops.hold import HoldOps
from moc_tui.backend.ops.lookup import LookupOps
from moc_tui.backend.ops.quota import QuotaOps
from moc_tui.backend.ops.records import RecordOps
from moc_tui.backend.ops.reset import ResetOps
from moc_tui.core.services import Services
from moc_tui.protocol import replies
from moc_tui.protocol.wire import MAX_MESSAGE, MAX_ROWS, MUTATING, PROTOCOL_VERSION, SCHEMAS
from moc_tui.protocol.wire import ProtocolError as Refused


class Session(AccessOps, HoldOps, QuotaOps, ResetOps, RecordOps, LookupOps):
    """One TUI session: the operator named by `hello`, the services, the locks."""

    def handle(self, op: str, params: dict[str, Any], emit: Emit) -> Mapping[str, object]:
        if op == "hello":
            return self.hello(params["operator"], params.get("session", ""))
        if self.services is None:
            raise Refused("hello_first", "say hello (with the operator's name) first")
        if op in MUTATING and self.role is roles.Role.VIEWER:
            raise roles.refuse_read_only(self.services.operator)
        handler = HANDLERS.get(op)
        if handler is None:
            raise Refused("unknown_op", "unknown operation", ops=sorted(SCHEMAS))
        return handler(self, self.services, params, emit)

    # session -------------------------------------------------------------------------------
    def hello(self, operator: str, session: str = "") -> replies.HelloReply:
        if self.operator is not None and operator != self.operator:
            raise Refused("bad_params", "this session already belongs to another operator")
        self.role = roles.role_of(operator, self.operators_map)
        self.operator = operator
        if self.services is None:
            self.services = Services(self.settings, operator)
            self.services.journal.audit(
                operator,
                "session",
                None,
                {
                    "sudo_user": self.sudo_user,
                    "pid": os.getpid(),
                    "login_session": session,
                    "role": self.role.value,
                },
            )
        auth = urlsplit(self.settings.auth.auth_url)
        quota = self.settings.quota_sheet
        return {
            "protocol": PROTOCOL_VERSION,
            "version": __version__,
            "operator": operator,
            "read_only": self.role is roles.Role.VIEWER,
            "service_user": pwd.getpwuid(os.geteuid()).pw_name,
            "cloud": views.clean(auth.hostname or "", views.SHORT),
            "access_tab": views.clean(self.tab, views.SHORT),
            "done_tab": views.clean(self.settings.access_sheet.done_tab, views.SHORT),
            "quota_tab": None if quota is None else views.clean(quota.requests_tab, views.SHORT),
            "quota_done_tab": None if quota is None else views.clean(quota.done_tab, views.SHORT),
            "ops": sorted(SCHEMAS),
            "limits": {"max_message": MAX_MESSAGE, "max_rows": MAX_ROWS},
        }


Handler = Callable[[Session, Services, dict[str, Any], Emit], Mapping[str, object]]

# op name -> handler: every op of `protocol.wire.SCHEMAS` but `hello` (the session's own, above)
# and `cancel` (the server's inbox answers it); tests/unit/test_protocol_ops.py keeps them equal
HANDLERS: dict[str, Handler] = {
    "list_access": Session.op_list_access,
    "plan_access": Session.op_plan_access,
    "provision": Session.op_provision,
    "edit_access_field": Session.op_edit_access_field,
    "hold_access": Session.op_hold_access,
    "release_access": Session.op_release_access,
    "list_quota": Session.op_list_quota,
    "plan_quota": Session.op_plan_quota,
    "apply_quota": Session.op_apply_quota,
    "reset_password": Session.op_reset_password,
    "list_errors": Session.op_list_errors,
    "ack_error": Session.op_ack_error,
    "audit_trail": Session.op_audit_trail,
    "list_not_activated": Session.op_list_not_activated,
    "suggest_projects": Session.op_suggest_projects,
    "find_users": Session.op_find_users,
}

__all__ = ["HANDLERS", "Handler", "Session"]
