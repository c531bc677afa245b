"""The persistent errors log (filter, acknowledge) and the audit trail of one request."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static

from moc_tui.tui.backend_link import BackendLink, View, explain
from moc_tui.tui.messages import CallFailed, ErrorsLoaded, TrailLoaded
from moc_tui.tui.text import cell, plain
from moc_tui.tui.widgets.bars import StatusLine
from moc_tui.tui.widgets.field import SteadyInput


class ErrorsScreen(Screen[None]):
    """Every recorded failure, newest first as the backend sends them; `a` acknowledges."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("a", "acknowledge", "Acknowledge"),
        Binding("h", "toggle_acknowledged", "Show acknowledged"),
        Binding("t", "trail", "Audit trail"),
        Binding("R", "reload", "Reload", show=False),
        Binding("escape", "back", "Back"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, link: BackendLink) -> None:
        super().__init__()
        self.link = link
        self.records: list[View] = []
        self.include_acknowledged = False

    def compose(self) -> ComposeResult:
        yield StatusLine(Text("Errors", style="bold"), id="errors-title")
        yield SteadyInput(placeholder="filter errors", id="errors-filter")
        yield DataTable(cursor_type="row", id="errors")
        yield StatusLine(id="errors-detail")
        yield Footer(compact=True)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#errors", DataTable)

    def on_mount(self) -> None:
        self.query_one("#errors-filter", Input).display = False
        for key, label, width in (
            ("at", "When", 16),
            ("row", "Row", 4),
            ("email", "Email", 16),
            ("step", "Step", 8),
            ("message", "Message", 16),
            ("ack", "Ack", 5),
        ):
            self.table.add_column(Text(label), key=key, width=width)
        self.table.focus()
        self.action_reload()

    @work(thread=True, exclusive=True, group="errors", exit_on_error=False)
    def load(self, include: bool) -> None:
        try:
            self.post_message(ErrorsLoaded(self.link.list_errors(include)))
        except Exception as error:
            self.post_message(CallFailed("errors", explain(error)))

    @work(thread=True, group="ack", exit_on_error=False)
    def ack(self, error_id: int) -> None:
        try:
            self.link.ack_error(error_id)
            self.post_message(ErrorsLoaded(self.link.list_errors(self.include_acknowledged)))
        except Exception as error:
            self.post_message(CallFailed("acknowledge", explain(error)))

    def on_errors_loaded(self, message: ErrorsLoaded) -> None:
        self.records = message.records
        self.refresh_rows()

    def on_call_failed(self, message: CallFailed) -> None:
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def visible_records(self) -> list[View]:
        needle = self.query_one("#errors-filter", Input).value.casefold()
        return [
            r
            for r in self.records
            if not needle or needle in json.dumps(r, ensure_ascii=False).casefold()
        ]

    def refresh_rows(self) -> None:
        self.table.clear()
        shown = self.visible_records()
        for record in shown:
            self.table.add_row(
                cell(record.get("at", ""), 16),
                cell(record.get("row") or "", 6),
                cell(record.get("email") or "", 20),
                cell(record.get("step") or "", 10),
                cell(record.get("message", ""), 60),
                cell(record.get("acknowledged_by") or "", 12),
                key=str(record.get("id")),
            )
        scope = "all" if self.include_acknowledged else "unacknowledged"
        self.query_one("#errors-title", StatusLine).say(
            f"Errors ({scope}): {len(shown)} of {len(self.records)}", "bold"
        )
        self._show_detail()

    def cursor_record(self) -> View | None:
        if not self.table.row_count:
            return None
        key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value
        return next((r for r in self.records if str(r.get("id")) == key), None)

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        record = self.cursor_record()
        text = (
            "" if record is None else f"{record.get('operator', '')}: {record.get('message', '')}"
        )
        self.query_one("#errors-detail", StatusLine).say(text)

    def action_filter(self) -> None:
        box = self.query_one("#errors-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#errors-filter")
    def _filtered(self, event: Input.Changed) -> None:
        self.refresh_rows()

    @on(Input.Submitted, "#errors-filter")
    def _kept(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_back(self) -> None:
        box = self.query_one("#errors-filter", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.table.focus()
        else:
            self.dismiss()

    def action_reload(self) -> None:
        self.load(self.include_acknowledged)

    def action_toggle_acknowledged(self) -> None:
        self.include_acknowledged = not self.include_acknowledged
        self.action_reload()

    def action_acknowledge(self) -> None:
        record = self.cursor_record()
        if record is not None and not record.get("acknowledged_by"):
            self.ack(int(record["id"]))

    def action_trail(self) -> None:
        record = self.cursor_record()
        if record is not None and record.get("request_key"):
            self.app.push_screen(TrailModal(self.link, str(record["request_key"])))

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()


def detail_words(detail: Any) -> str:
    if isinstance(detail, dict):
        return ", ".join(f"{k}={v}" for k, v in detail.items())
    return str(detail)


class TrailModal(ModalScreen[None]):
    """Who did what to one request, oldest first (the backend's audit journal)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, link: BackendLink, request_key: str) -> None:
        super().__init__()
        self.link = link
        self.request_key = request_key

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Audit trail of {plain(self.request_key, 40)}"), classes="title")
            yield DataTable(cursor_type="row", id="trail")
            yield Static(Text("esc closes", style="dim"))

    def on_mount(self) -> None:
        table = self.query_one("#trail", DataTable)
        for key, label, width in (
            ("at", "When", 16),
            ("operator", "Operator", 10),
            ("action", "Action", 14),
            ("detail", "Detail", 30),
        ):
            table.add_column(Text(label), key=key, width=width)
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, group="trail", exit_on_error=False)
    def load(self) -> None:
        try:
            self.post_message(TrailLoaded(self.link.audit_trail(self.request_key)))
        except Exception as error:
            self.post_message(CallFailed("audit trail", explain(error)))

    def on_trail_loaded(self, message: TrailLoaded) -> None:
        table = self.query_one("#trail", DataTable)
        for record in message.records:
            table.add_row(
                cell(record.get("at", ""), 16),
                cell(record.get("operator", ""), 10),
                cell(record.get("action", ""), 14),
                cell(detail_words(record.get("detail")), 80),
            )

    def on_call_failed(self, message: CallFailed) -> None:
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss()
