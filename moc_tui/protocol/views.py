"""What the TUI may see of a request, a plan or a journal record: one TypedDict per view.

The backend builds them (`moc_tui.backend.views`, sanitised, no PIN and no raw cells), the TUI
reads them, the test fakes build them; mypy checks the keys on all three sides. JSON arrays
arrive as lists: a pair is typed `list` of its two values' union, as the wire holds it.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict, TypeGuard

HoldKind = Literal["held", "denied"]  # what a helpdesk hold of a row says it is


class RowRef(TypedDict):
    """A row the operator saw: its number and the fingerprint of what it held."""

    row: int
    fingerprint: str


class HoldView(TypedDict):
    """A row the helpdesk held or denied: not pending work until an operator releases it."""

    kind: HoldKind
    reason: str


class AccessView(TypedDict):
    row: int
    request_key: str
    fingerprint: str
    project_action: str
    project_derived: bool
    expects_new_user: bool
    pin_provided: bool
    extra_users: list[str]
    problems: list[str]
    problem_fields: list[str]  # the field each problem is about ("" for the whole row)
    formulas: list[str]  # the text fields that look like a spreadsheet formula
    email: str
    username: str
    first_name: str
    last_name: str
    organization: str
    role: str
    phone: str
    sponsor: str
    comment: str
    project: str
    description: str
    timestamp: str
    hold: HoldView | None  # from the sheet's note column (`core.access.hold`)


class QuotaView(TypedDict):
    row: int
    request_key: str
    fingerprint: str
    requested: dict[str, int]
    problems: list[str]
    formulas: list[str]
    email: str
    first_name: str
    last_name: str
    project: str
    comment: str
    timestamp: str


RequestView = AccessView | QuotaView


def is_access(view: RequestView) -> TypeGuard[AccessView]:
    """An access request's view (a quota request has no project action)."""
    return "project_action" in view


def is_quota(view: RequestView) -> TypeGuard[QuotaView]:
    return "requested" in view


class QuotaTarget(TypedDict):
    name: str
    current: int | None
    target: int


class AccessPlanView(TypedDict):
    row: int
    request_key: str
    email: str
    project: str
    creates_project: bool
    user: str
    creates_user: bool
    role: str
    quota_changes: list[QuotaTarget]
    extra_users: list[list[str | bool]]  # [name, exists]
    mails: list[list[str]]  # [kind, to]
    move_to: str
    done_steps: list[str]
    problems: list[str]
    ok: bool
    lines: list[str]


class QuotaChange(TypedDict):
    name: str
    current: int | None
    requested: int | None
    applied: int


class QuotaPlanView(TypedDict):
    row: int
    request_key: str
    email: str
    project: str
    changes: list[QuotaChange]
    port_reason: str
    mail_to: str
    move_to: str
    done_steps: list[str]
    problems: list[str]
    ok: bool
    lines: list[str]


PlanView = AccessPlanView | QuotaPlanView


def is_quota_plan(plan: PlanView) -> TypeGuard[QuotaPlanView]:
    """A quota request's plan (an access plan has `quota_changes` instead)."""
    return "changes" in plan


# the `step` of a batch's row that did not run: changed since it was shown (or gone), or held
NOT_AS_SHOWN, HELD = "changed", "busy"


class FailureView(TypedDict):
    """A row of a batch that was not done: where (`step`) and why. A row held by another
    session names its `holder`; a row changed since it was shown (or gone) fails at "changed"."""

    row: int
    email: str
    step: str
    message: str
    holder: NotRequired[dict[str, Any]]


class ErrorView(TypedDict):
    id: int
    at: str
    operator: str
    request_key: str | None
    tab: str | None
    row: int | None
    email: str | None
    step: str | None
    message: str
    acknowledged_by: str | None


class AuditView(TypedDict):
    id: int
    at: str
    operator: str
    action: str
    request_key: str | None
    detail: dict[str, Any]


class NotActivatedView(TypedDict):
    request_key: str
    user_id: str
    username: str
    reminders: int
    reason: str
    at: str


RecordView = ErrorView | AuditView | NotActivatedView


class ProjectSuggestion(TypedDict):
    name: str
    source: str  # "keystone" or "alias"
    target: str


class UserMatch(TypedDict):
    name: str
    email: str
    enabled: bool
