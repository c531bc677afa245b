"""A batch of sheet rows going through one workflow: failure records and the done-rows move.

One failing request never stops the others; it gets an errors-log record (row, email, step,
message), an audit entry, and its row stays in the form tab. The rows that finished move to the
done tab in one atomic write, after a local snapshot of the tabs as they were read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from moc_tui.core.journal import Journal
from moc_tui.core.settings import SheetSettings
from moc_tui.core.snapshots import write_snapshot
from moc_tui.core.step_names import Step
from moc_tui.core.workflow.events import (
    Event,
    RowCancelled,
    RowDone,
    RowFailed,
    RowsMoved,
    RowStarted,
)
from moc_tui.core.workflow.identity import Identity
from moc_tui.core.workflow.steps import Cancelled, StepFailed, describe


class SheetRow(Protocol):
    """A request read from a sheet row (AccessRequest, QuotaRequest)."""

    @property
    def row(self) -> int: ...
    @property
    def cells(self) -> tuple[str, ...]: ...
    @property
    def email(self) -> str: ...
    @property
    def problems(self) -> tuple[str, ...]: ...


R = TypeVar("R", bound=SheetRow)


class RowMover(Protocol):
    """The one sheet operation a batch does: the atomic move of finished rows."""

    def move_rows(
        self,
        source: str,
        target: str,
        rows: Sequence[int],
        expected: Sequence[Sequence[str]],
        keys: Sequence[str] | None = None,
    ) -> None: ...


@dataclass(frozen=True)
class Failure:
    row: int
    email: str
    step: str
    message: str


@dataclass
class BatchResult(Generic[R]):
    done: list[R] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    cancelled: list[R] = field(default_factory=list)  # stopped by the operator; rows stay

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class Batch(Generic[R]):
    """How one kind of batch (`action`: "provision", "quota") records and moves its rows."""

    journal: Journal
    operator: str
    emit: Callable[[Event], None]
    sheet: SheetSettings
    state_dir: Path
    action: str
    identity: Identity[R]

    def key_of(self, request: R) -> str:
        return self.identity.key_of(request)

    def run(
        self,
        result: BatchResult[R],
        requests: Sequence[R],
        steps: Callable[[R, str], None],
        detail: Callable[[R], dict[str, Any]],
        cancelled: Callable[[], bool],
    ) -> None:
        """Each request through `steps(request, key)`, one at a time, into `result`.

        A request with problems, or whose row the journal says moved already (a copy left in
        the tab, or a row that asks for exactly the same), is refused (validate) and never
        reaches `steps`; one that `steps` fails (StepFailed) gets its error record; one
        cancelled between steps keeps its row. Once the operator cancels, the requests after it
        are not started. `detail` is what the audit record of the start holds.
        """
        for request in requests:
            key = self.identity.adopt(self.journal, request)
            if cancelled():
                self.cancel(result, request, key, "")
                continue
            self.emit(RowStarted(request.row, request.email, key))
            refused = [*request.problems, *filter(None, [self.identity.refusal(self.journal, key)])]
            if refused:
                self.fail(result, request, key, Step.VALIDATE, "; ".join(refused))
                continue
            self.journal.audit(self.operator, self.action, key, detail(request))
            try:
                steps(request, key)
            except StepFailed as failure:
                self.fail(result, request, key, failure.step, failure.message)
                continue
            except Cancelled as stop:
                self.cancel(result, request, key, stop.step)
                continue
            self.emit(RowDone(request.row))
            result.done.append(request)

    def fail(self, result: BatchResult[R], request: R, key: str, step: str, message: str) -> None:
        self.journal.record_error(
            self.operator,
            message,
            request_key=key,
            tab=self.sheet.requests_tab,
            row=request.row,
            email=request.email,
            step=step,
        )
        self.journal.audit(
            self.operator, f"{self.action}-failed", key, {"row": request.row, "step": step}
        )
        self.emit(RowFailed(request.row, step, message))
        result.failed.append(Failure(request.row, request.email, step, message))

    def cancel(self, result: BatchResult[R], request: R, key: str, step: str) -> None:
        """The operator stopped the run before `step`: an audit entry, not an error record."""
        self.journal.audit(
            self.operator, f"{self.action}-cancelled", key, {"row": request.row, "before": step}
        )
        self.emit(RowCancelled(request.row, step))
        result.cancelled.append(request)

    def move_done_rows(
        self,
        store: RowMover,
        tabs_as_read: Mapping[str, Sequence[Sequence[str]]],
        result: BatchResult[R],
    ) -> None:
        """Snapshot the tabs as read, then move every finished row in one atomic write."""
        if not result.done:
            return
        sheet = self.sheet
        write_snapshot(self.state_dir / "snapshots", self.action, tabs_as_read)
        rows = [r.row for r in result.done]
        self.journal.commit()  # every request's record durable before its row leaves the tab
        try:
            store.move_rows(
                sheet.requests_tab,
                sheet.done_tab,
                rows,
                [r.cells for r in result.done],
                keys=[self.key_of(r) for r in result.done],
            )
        except Exception as error:
            moved, result.done = result.done, []
            for request in moved:
                self.fail(result, request, self.key_of(request), Step.SHEET, describe(error))
            return
        for request in result.done:
            key = self.key_of(request)
            self.journal.step_done(key, Step.SHEET, {"tab": sheet.done_tab})
            self.journal.audit(
                self.operator, "moved", key, {"from": request.row, "to": sheet.done_tab}
            )
        self.journal.commit()
        self.emit(RowsMoved(tuple(rows), sheet.done_tab))
