"""Apply a batch of quota change requests: each through its journaled steps, then one atomic
move of the finished rows to `Processed Requests`.

Steps of one request (key `quota-<hash of what it asks for>`, see `moc_tui.core.access.keys`):

1. `project`: found ignoring case; an unknown project fails here and the row stays.
2. `quota_intent`: the values before, the values to apply and the port reason, recorded BEFORE
   anything changes, so a rerun after a crash still mails the true old -> new table.
3. `quotas`: applied through compute / network / volume, read back and compared with the intent.
4. `mails_queued`: the mail with the applied values, cc the project's members and `cc_list`.
5. the outbox is flushed; then, with the other finished rows, the row moves (`sheet`).

Writing the same quotas again is harmless, so a crash anywhere in step 3 is repaired by a rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moc_tui.core.journal import Journal
from moc_tui.core.ports import Cloud, MailSender
from moc_tui.core.quota import QuotaRequest, mail
from moc_tui.core.quota.keys import QUOTA
from moc_tui.core.quota.plan import target_values, unknown_project
from moc_tui.core.settings import Settings, SheetSettings
from moc_tui.core.workflow import (
    Batch,
    BatchResult,
    RowMover,
    StepFailed,
    Steps,
    describe,
)
from moc_tui.core.workflow.events import Event, RowWarning
from moc_tui.core.workflow.steps import never


@dataclass
class QuotaContext:
    """Everything a quota run shares."""

    settings: Settings
    cloud: Cloud
    mailer: MailSender
    journal: Journal
    operator: str
    emit: Callable[[Event], None]
    cancelled: Callable[[], bool] = never  # the operator asked to stop (checked between steps)


@dataclass
class QuotaResult(BatchResult[QuotaRequest]):
    """Requests done (rows moved) and failed; `applied[row]` is what the cloud reads back."""

    applied: dict[int, dict[str, int]] = field(default_factory=dict)


def quota_sheet(settings: Settings) -> SheetSettings:
    if settings.quota_sheet is None:
        raise ValueError("[quota_sheet] is not configured")
    return settings.quota_sheet


def _batch(ctx: QuotaContext) -> Batch[QuotaRequest]:
    return Batch(
        ctx.journal,
        ctx.operator,
        ctx.emit,
        quota_sheet(ctx.settings),
        ctx.settings.state_dir,
        "quota",
        QUOTA,
    )


@dataclass
class QuotaRun:
    ctx: QuotaContext
    request: QuotaRequest
    steps: Steps

    def project(self) -> dict[str, Any]:
        found = self.ctx.cloud.find_project(self.request.project)
        if found is None:
            raise StepFailed("project", unknown_project(self.request.project))
        return {"project_id": found.id, "name": found.name}

    def intent(self, project_id: str) -> dict[str, Any]:
        """The before/after record, written once: a rerun keeps the first one's old values."""
        if "quota_intent" not in self.steps.done:
            try:
                intent = target_values(self.ctx.cloud, project_id, self.request.requested)
            except Exception as error:
                raise StepFailed("quotas", describe(error)) from error
            self.steps.intent("quota_intent", intent)
        intent = self.steps.done["quota_intent"]
        if intent.get("port_reason"):
            self.ctx.emit(RowWarning(self.request.row, str(intent["port_reason"])))
        return intent

    def apply(self, project_id: str, values: Mapping[str, int]) -> dict[str, Any]:
        applied = self.ctx.cloud.set_quotas(project_id, values)
        wrong = [f"{k} is {applied.get(k)}" for k, v in values.items() if applied.get(k) != v]
        if wrong:
            raise StepFailed(
                "quotas",
                f"the cloud reads back {', '.join(wrong)} after the change "
                f"(asked {dict(values)}); check the project's quotas",
            )
        return {"applied": {k: applied[k] for k in values}}

    def queue_mail(self, project: Mapping[str, Any], intent: Mapping[str, Any]) -> None:
        if "mails_queued" in self.steps.done:
            return
        request, cloud = self.request, self.ctx.cloud
        project_id = str(project["project_id"])
        try:
            members = [m.email for m in cloud.project_members(project_id)]
        except Exception as error:
            raise StepFailed("mail", f"listing the project's members: {describe(error)}") from error
        if request.email.casefold() not in {(a or "").casefold() for a in members}:
            self.ctx.emit(
                RowWarning(request.row, f"{request.email} is not a member of the project")
            )
        applied = self.steps.done["quotas"]["applied"]
        payload = mail.compose(
            self.ctx.settings,
            request,
            str(project["name"]),
            intent["before"],
            applied,
            intent.get("port_reason"),
            members,
        )
        self.steps.queue_mails({mail.KIND: payload})


def request_steps(ctx: QuotaContext, request: QuotaRequest, key: str, result: QuotaResult) -> None:
    """One request's steps; `result.applied` gets what the cloud reads back."""
    done = ctx.journal.steps(key)
    steps = Steps(ctx.journal, key, request.row, ctx.emit, done, ctx.operator, ctx.cancelled)
    run = QuotaRun(ctx, request, steps)
    project = steps.step("project", run.project)
    project_id = str(project["project_id"])
    intent = run.intent(project_id)
    values: dict[str, int] = intent["values"]
    applied = steps.step("quotas", lambda: run.apply(project_id, values))["applied"]
    run.queue_mail(project, intent)
    steps.send_mails(ctx.mailer)
    result.applied[request.row] = dict(applied)


def apply_quota_requests(
    ctx: QuotaContext,
    store: RowMover,
    requests: Sequence[QuotaRequest],
    tabs_as_read: Mapping[str, Sequence[Sequence[str]]],
) -> QuotaResult:
    """Apply `requests` (rows with problems are refused, with their reasons), move the done.

    When the operator cancels, the request in hand stops before its next step and the rest are
    not started; the rows finished so far still move.
    """
    result = QuotaResult()
    batch = _batch(ctx)
    batch.run(
        result,
        requests,
        lambda request, key: request_steps(ctx, request, key, result),
        lambda r: {"row": r.row, "project": r.project, "requested": r.requested},
        ctx.cancelled,
    )
    batch.move_done_rows(store, tabs_as_read, result)
    return result
