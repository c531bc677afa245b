"""Provision a batch of access requests: each through its steps, then one atomic sheet move.

One failing request never stops the others; it gets an errors-log record (row, email, step,
message) and its row stays in the form tab. The rows that finished move to the done tab in one
atomic write, after a local snapshot of both tabs as they were read.

Exactly-once holds at every step boundary. One window is left, as in every outbox: a crash after
the mail server accepted a message and before the journal marks it sent resends that message on
the next run (with the same Message-ID, so a mail system can drop the copy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from moc_tui.core.access import AccessRequest
from moc_tui.core.provision.events import RowDone, RowFailed, RowsMoved, RowStarted
from moc_tui.core.provision.keys import request_key
from moc_tui.core.provision.ports import RowMover
from moc_tui.core.provision.request_steps import RequestRun, RunContext, StepFailed, describe
from moc_tui.core.snapshots import write_snapshot


@dataclass(frozen=True)
class Failure:
    row: int
    email: str
    step: str
    message: str


@dataclass
class ProvisionResult:
    done: list[AccessRequest] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _fail(
    ctx: RunContext,
    result: ProvisionResult,
    request: AccessRequest,
    key: str,
    step: str,
    message: str,
) -> None:
    tab = ctx.settings.access_sheet.requests_tab
    ctx.journal.record_error(
        ctx.operator,
        message,
        request_key=key,
        tab=tab,
        row=request.row,
        email=request.email,
        step=step,
    )
    ctx.journal.audit(ctx.operator, "provision-failed", key, {"row": request.row, "step": step})
    ctx.emit(RowFailed(request.row, step, message))
    result.failed.append(Failure(request.row, request.email, step, message))


def provision_one(ctx: RunContext, request: AccessRequest, result: ProvisionResult) -> bool:
    key = request_key("access", request.timestamp, request.email)
    ctx.emit(RowStarted(request.row, request.email, key))
    if request.problems:
        _fail(ctx, result, request, key, "validate", "; ".join(request.problems))
        return False
    ctx.journal.audit(ctx.operator, "provision", key, {"row": request.row, "email": request.email})
    run = RequestRun(ctx, request, key, ctx.journal.steps(key))
    try:
        project = run.step("project", run.project)
        project_id = str(project["project_id"])
        if project["created"] and ctx.settings.quotas:
            run.step("quotas", lambda: run.quotas(project_id))
        user = run.step("user", run.user)
        user_id = str(user["user_id"])
        run.step("member", lambda: run.member(user_id, project_id))
        extra: list[str] = []
        if request.extra_users:
            extra = list(run.step("extra_users", lambda: run.extra_users(project_id))["added"])
        if user["created"]:
            run.step("setpass", lambda: run.setpass(user_id))
        run.queue_mails(project, user, extra)
        run.send_mails()
    except StepFailed as failure:
        _fail(ctx, result, request, key, failure.step, failure.message)
        return False
    ctx.emit(RowDone(request.row))
    result.done.append(request)
    return True


def move_done_rows(
    ctx: RunContext,
    store: RowMover,
    tabs_as_read: Mapping[str, Sequence[Sequence[str]]],
    result: ProvisionResult,
) -> None:
    """Snapshot the tabs as read, then move every finished row in one atomic write."""
    if not result.done:
        return
    sheet = ctx.settings.access_sheet
    write_snapshot(ctx.settings.state_dir / "snapshots", "provision", tabs_as_read)
    rows = [r.row for r in result.done]
    try:
        store.move_rows(sheet.requests_tab, sheet.done_tab, rows, [r.cells for r in result.done])
    except Exception as error:
        moved, result.done = result.done, []
        for request in moved:
            key = request_key("access", request.timestamp, request.email)
            _fail(ctx, result, request, key, "sheet", describe(error))
        return
    for request in result.done:
        key = request_key("access", request.timestamp, request.email)
        ctx.journal.step_done(key, "sheet", {"tab": sheet.done_tab})
        ctx.journal.audit(ctx.operator, "moved", key, {"from": request.row, "to": sheet.done_tab})
    ctx.emit(RowsMoved(tuple(rows), sheet.done_tab))


def provision(
    ctx: RunContext,
    store: RowMover,
    requests: Sequence[AccessRequest],
    tabs_as_read: Mapping[str, Sequence[Sequence[str]]],
) -> ProvisionResult:
    """Provision `requests` (rows with problems are refused, with their reasons)."""
    result = ProvisionResult()
    for request in requests:
        provision_one(ctx, request, result)
    move_done_rows(ctx, store, tabs_as_read, result)
    return result
