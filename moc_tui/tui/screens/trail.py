"""The audit trail of one request: who did what, oldest first (opened from every list)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from moc_tui.core.step_names import action_label
from moc_tui.tui.backend_link import BackendLink, explain
from moc_tui.tui.messages import CallFailed, TrailLoaded
from moc_tui.tui.text import cell, plain


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
                cell(action_label(str(record.get("action", ""))), 14),
                cell(detail_words(record.get("detail")), 80),
            )

    def on_call_failed(self, message: CallFailed) -> None:
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss()
