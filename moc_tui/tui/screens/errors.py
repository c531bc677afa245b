"""The persistent errors log: filter, acknowledge, open a request's audit trail."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType

from moc_tui.core.step_names import step_label
from moc_tui.protocol.views import ErrorView as View
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.format import WHEN_WIDTH, when
from moc_tui.tui.messages import ErrorsLoaded
from moc_tui.tui.screens.detail import DetailModal, label
from moc_tui.tui.screens.records import RecordsScreen, record_bindings
from moc_tui.tui.screens.trail import subject
from moc_tui.tui.text import cell
from moc_tui.tui.worker_errors import reports_failure


class ErrorsScreen(RecordsScreen[View]):
    """Every recorded failure, newest first as the backend sends them; `a` acknowledges."""

    BINDINGS: ClassVar[list[BindingType]] = record_bindings(
        Binding("a", "acknowledge", "Acknowledge"),
        Binding("h", "toggle_acknowledged", "Show acknowledged"),
        Binding("d", "detail", "Detail", show=False),
        show_reload=False,
    )
    HELP_NAME = "Errors log"
    HELP_EXTRA = (("↑, ↓, PgUp, PgDn", "Move; the line under the table shows the whole error"),)
    heading = "Errors"
    filter_placeholder = "filter errors"
    title_id = "errors-title"
    filter_id = "errors-filter"
    table_id = "errors"
    detail_id = "errors-detail"
    columns = (  # 80 columns; wider terminals give the message the rest
        ("at", "When", WHEN_WIDTH),
        ("row", "Row", 4),
        ("email", "Email", 16),
        ("step", "Step", 12),
        ("message", "Message", 12),
        ("ack", "Ack", 5),
    )
    flex = "message"

    def __init__(self, link: BackendLink) -> None:
        super().__init__(link)
        self.include_acknowledged = False

    @work(thread=True, exclusive=True, group="errors", exit_on_error=False)
    @reports_failure("errors")
    def load(self, include: bool) -> None:
        self.post_message(ErrorsLoaded(self.link.list_errors(include)))

    @work(thread=True, group="ack", exit_on_error=False)
    @reports_failure("acknowledge")
    def ack(self, error_id: int) -> None:
        self.link.ack_error(error_id)
        self.post_message(ErrorsLoaded(self.link.list_errors(self.include_acknowledged)))

    def on_errors_loaded(self, message: ErrorsLoaded) -> None:
        self.show_records(message.records)

    def cells(self, record: View) -> tuple[Text, ...]:
        return (
            cell(when(record["at"]), WHEN_WIDTH),
            cell(record["row"] or "", 6),
            cell(record["email"] or "", 120),
            cell(step_label(record["step"] or ""), 40),
            cell(record["message"], 300),
            cell(record["acknowledged_by"] or "", 40),
        )

    def title_words(self) -> str:
        scope = "all" if self.include_acknowledged else "unacknowledged"
        return f"Errors ({scope}): {len(self.shown)} of {len(self.records)}"

    def describe(self, record: View | None) -> str:
        if record is None:
            if not self.loaded:
                return ""
            return "no error matches the filter" if self.records else "no errors"
        name = record["step"]
        step = f" at {step_label(name)}" if name else ""
        acked = record["acknowledged_by"]
        ack = f" (acknowledged by {acked})" if acked else ""
        return f"{when(record['at'])} {record['operator']}{step}: {record['message']}{ack}"

    def trail_subject(self, record: View) -> str:
        return subject(record["email"], record["row"])

    def action_reload(self) -> None:
        self.load(self.include_acknowledged)

    def action_detail(self) -> None:
        """The error under the cursor in full, with its request's audit trail."""
        record = self.cursor_record()
        if record is None:
            return
        fields = [
            (label(k), when(v) if k == "at" else step_label(str(v)) if k == "step" else v)
            for k, v in record.items()
        ]
        title = f"Error: {self.trail_subject(record)}"
        key = record["request_key"] or ""
        self.app.push_screen(DetailModal(title, fields, link=self.link, request_key=key))

    def action_toggle_acknowledged(self) -> None:
        self.include_acknowledged = not self.include_acknowledged
        self.action_reload()

    def action_acknowledge(self) -> None:
        record = self.cursor_record()
        if record is not None and not record["acknowledged_by"]:
            self.ack(record["id"])
