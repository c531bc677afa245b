"""Every op's parameters and reply, typed; the op names are `Op`.

`wire.SCHEMAS` checks the parameters a request carries (types, bounds); these say the same
shapes to mypy, for the TUI that sends them and the backend that answers.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from moc_tui.protocol.views import (
    AccessPlanView,
    AccessView,
    AuditView,
    ErrorView,
    FailureView,
    HoldKind,
    NotActivatedView,
    ProjectSuggestion,
    QuotaPlanView,
    QuotaView,
    RowRef,
    UserMatch,
)

Op = Literal[
    "hello",
    "list_access",
    "edit_access_field",
    "plan_access",
    "provision",
    "hold_access",
    "release_access",
    "list_errors",
    "ack_error",
    "audit_trail",
    "list_not_activated",
    "suggest_projects",
    "find_users",
    "list_quota",
    "plan_quota",
    "apply_quota",
    "reset_password",
    "cancel",
]


# parameters ------------------------------------------------------------------------------------
class NoParams(TypedDict):
    """list_access, list_not_activated, list_quota."""


class HelloParams(TypedDict):
    operator: str
    session: NotRequired[str]


class RowsParams(TypedDict):
    """plan_access, provision, plan_quota, apply_quota: the rows as the operator saw them."""

    rows: list[RowRef]


class EditParams(TypedDict):
    row: int
    fingerprint: str
    field: str
    value: str


class HoldParams(TypedDict):
    row: int
    fingerprint: str
    kind: HoldKind
    reason: str


class ListErrorsParams(TypedDict):
    include_acknowledged: NotRequired[bool]


class ErrorIdParams(TypedDict):
    error_id: int


class RequestKeyParams(TypedDict):
    request_key: str


class TextParams(TypedDict):
    """suggest_projects, find_users: what the operator is typing."""

    text: str


class ResetParams(TypedDict):
    username: str
    reference: str
    again: NotRequired[bool]


class CancelParams(TypedDict):
    target: int


# replies ---------------------------------------------------------------------------------------
class Limits(TypedDict):
    max_message: int
    max_rows: int


class HelloReply(TypedDict):
    protocol: int
    version: str
    operator: str
    # from the operator map the backend reads itself (never from the TUI): a viewer's mutating
    # ops are refused (`read_only`), and the TUI hides their keys
    read_only: bool
    service_user: str
    cloud: str
    access_tab: str
    done_tab: str
    quota_tab: str | None
    quota_done_tab: str | None
    ops: list[str]
    limits: Limits


# the tabs a `HelloReply` names
TabKey = Literal["access_tab", "done_tab", "quota_tab", "quota_done_tab"]


class AccessList(TypedDict):
    tab: str
    requests: list[AccessView]
    tab_problems: list[str]


class QuotaList(TypedDict):
    tab: str
    requests: list[QuotaView]
    tab_problems: list[str]


class EditReply(TypedDict):
    request: AccessView | None  # None: the row left the pending list


class HoldReply(TypedDict):
    """hold_access, release_access: the row as re-read (None: it left the pending list)."""

    request: AccessView | None


class AccessPlans(TypedDict):
    plans: list[AccessPlanView]


class QuotaPlans(TypedDict):
    plans: list[QuotaPlanView]


class BatchReply(TypedDict):
    """A provision / apply_quota call: every row it was given is in exactly one list."""

    done: list[int]
    failed: list[FailureView]
    cancelled: list[int]


class QuotaBatchReply(BatchReply):
    applied: dict[str, dict[str, int]]  # row (as text) -> the values set


class ErrorList(TypedDict):
    errors: list[ErrorView]


class AckReply(TypedDict):
    acknowledged: bool


class AuditTrail(TypedDict):
    records: list[AuditView]


class NotActivatedList(TypedDict):
    users: list[NotActivatedView]


class Suggestions(TypedDict):
    suggestions: list[ProjectSuggestion]


class UserMatches(TypedDict):
    users: list[UserMatch]


class ResetReply(TypedDict):
    ok: bool
    username: str
    mailed_to: str
    resumed: bool
    step: str | None
    message: str
    needs_confirmation: bool


class CancelReply(TypedDict):
    target: int
    marked: bool


# what each op answers: the TUI's link casts to these, the drift tests check replies against them
REPLIES: dict[Op, type] = {
    "hello": HelloReply,
    "list_access": AccessList,
    "edit_access_field": EditReply,
    "plan_access": AccessPlans,
    "provision": BatchReply,
    "hold_access": HoldReply,
    "release_access": HoldReply,
    "list_errors": ErrorList,
    "ack_error": AckReply,
    "audit_trail": AuditTrail,
    "list_not_activated": NotActivatedList,
    "suggest_projects": Suggestions,
    "find_users": UserMatches,
    "list_quota": QuotaList,
    "plan_quota": QuotaPlans,
    "apply_quota": QuotaBatchReply,
    "reset_password": ResetReply,
    "cancel": CancelReply,
}

# what each op takes (`wire.SCHEMAS` checks the values; tests hold the two to the same keys)
PARAMS: dict[Op, type] = {
    "hello": HelloParams,
    "list_access": NoParams,
    "edit_access_field": EditParams,
    "plan_access": RowsParams,
    "provision": RowsParams,
    "hold_access": HoldParams,
    "release_access": RowRef,
    "list_errors": ListErrorsParams,
    "ack_error": ErrorIdParams,
    "audit_trail": RequestKeyParams,
    "list_not_activated": NoParams,
    "suggest_projects": TextParams,
    "find_users": TextParams,
    "list_quota": NoParams,
    "plan_quota": RowsParams,
    "apply_quota": RowsParams,
    "reset_password": ResetParams,
    "cancel": CancelParams,
}
