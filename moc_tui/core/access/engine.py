"""Provision a batch of access requests: each through its steps, then one atomic sheet move.

One failing request never stops the others; it gets an errors-log record (row, email, step,
message) and its row stays in the form tab. The rows that finished move to the done tab in one
atomic write, after a local snapshot of both tabs as they were read (`moc_tui.core.workflow`).

What is guaranteed:
- Exactly-once at every step boundary: a crash anywhere, then a rerun, creates no second project,
  user, role or setpass registration, and moves the row once.
- The commit boundary (the journal's writes are grouped, `Journal.grouped`): a journal record is
  durable before the next external effect that needs it, not after every write. The journal
  commits (one fsync each) exactly
  - before creating a project or a user: its `*_intent` record (with everything waiting), so a
    rerun recognises the object as its own;
  - when the request's mails are queued: with them, every step done so far (the user, the role,
    the setpass registration), before any mail can go;
  - between two mails: the outcome of the one sent (sent, or failed) with the claim of the next,
    before it is handed to the server; after the last mail, its outcome;
  - before the done rows move (every request's record) and after (the move);
  - when a failure is recorded, and at the end of the run.
  Between two commits only find-or-create Keystone calls that repeat harmlessly happen (the
  project's quotas, the role, the extra users, the setpass registration before its mail), and
  bookkeeping (steps done, audit records) rides in the next commit. A crash that loses it is a
  crash just before that bookkeeping was written: the rerun finds the project or user by its
  intent, repeats what is idempotent, and registers the user with setpass again (no mail carried
  the lost link). A mail's event (`mail:<kind>`) is emitted once its outcome is durable. A
  crash between a mail's claim and its handing over makes the rerun treat it as perhaps
  delivered (`moc_tui.core.workflow.outbox`), as any crash after a claim does. So a new user
  with a new project and three mails costs 7 commits (it was about 25), one joining user 3.
- A run works on a request only while it holds the request's lock and its user's (the caller
  takes them, `moc_tui.core.workflow.exclusive`), so two runs never work on one request at once.
- Each mail is claimed in the outbox before it is handed to the server: no two runs send it.
- One window is left, as in every outbox: the server accepted a message but the reply was lost (or
  the run died) before the journal marked it sent. The next run sends it again. A mail without a
  link goes again unchanged, with the same Message-ID, so a mail system that drops duplicates
  keeps one. The set-password mail cannot be the same: its link is made at sending and the first
  one died when setpass renewed it; the resend has its own Message-ID and a first paragraph naming
  the Message-ID it replaces and saying the earlier link no longer works. So the user may get two
  password mails, and the newer one's link is the one that works.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from moc_tui.core.access import AccessRequest
from moc_tui.core.access.decide import registers_password, sets_quotas
from moc_tui.core.access.keys import ACCESS
from moc_tui.core.access.steps import RequestRun, RunContext
from moc_tui.core.step_names import Step
from moc_tui.core.workflow.batch import Batch, BatchResult, Failure, RowMover

__all__ = ["Failure", "ProvisionResult", "provision", "request_steps"]


class ProvisionResult(BatchResult[AccessRequest]):
    """The requests done (their rows moved) and the failures, with their reasons."""


def _batch(ctx: RunContext) -> Batch[AccessRequest]:
    return Batch(
        ctx.journal,
        ctx.operator,
        ctx.emit,
        ctx.settings.access_sheet,
        ctx.settings.state_dir,
        "provision",
        ACCESS,
    )


def request_steps(ctx: RunContext, request: AccessRequest, key: str) -> None:
    """One request's steps; each is journaled, so a rerun skips what is done."""
    run = RequestRun(ctx, request, key, ctx.journal.steps(key))
    project = run.step(Step.PROJECT, run.project)
    project_id = str(project["project_id"])
    if sets_quotas(bool(project["created"]), ctx.settings.quotas):
        run.step(Step.QUOTAS, lambda: run.quotas(project_id))
    user = run.step(Step.USER, run.user)
    user_id = str(user["user_id"])
    run.step(Step.MEMBER, lambda: run.member(user_id, project_id))
    extra: list[str] = []
    if request.extra_users:
        extra = list(run.step(Step.EXTRA_USERS, lambda: run.extra_users(project_id))["added"])
    if registers_password(bool(user["created"])):
        run.step(Step.SETPASS, lambda: run.setpass(user_id))
    run.queue_mails(project, user, extra)
    run.send_mails()


def provision(
    ctx: RunContext,
    store: RowMover,
    requests: Sequence[AccessRequest],
    tabs_as_read: Mapping[str, Sequence[Sequence[str]]],
) -> ProvisionResult:
    """Provision `requests` (rows with problems are refused, with their reasons).

    When the operator cancels, the request in hand stops before its next step and the rest are
    not started; the rows finished so far still move.
    """
    result = ProvisionResult()
    batch = _batch(ctx)
    with ctx.journal.grouped():  # the commit boundary: see the module's docstring
        batch.run(
            result,
            requests,
            lambda request, key: request_steps(ctx, request, key),
            lambda request: {"row": request.row, "email": request.email},
            ctx.cancelled,
        )
        batch.move_done_rows(store, tabs_as_read, result)
    return result
