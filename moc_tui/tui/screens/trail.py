"""The audit trail of one request: who did what, oldest first (opened from every list).

The title names the request by its email and row, never by its internal key; times are local
and short (`format.when`); the line under the table shows the whole detail of the entry under
the cursor, wrapped, as `field: old -> new` (`format.detail_words`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from moc_tui.core.step_names import action_label
from moc_tui.protocol.views import AuditView
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.format import WHEN_WIDTH, detail_words, when
from moc_tui.tui.messages import CallFailed, TrailLoaded
from moc_tui.tui.screens.help import Dialog
from moc_tui.tui.text import cell, plain
from moc_tui.tui.worker_errors import reports_failure

COLUMNS = (("at", "When", WHEN_WIDTH), ("operator", "Operator", 8), ("action", "Action", 14))
DETAIL_MIN = 20  # the detail column takes the rest of the dialog's width, at least this


def subject(email: object, row: object = None) -> str:
    """`alice@example.org, row 3`: how a trail's title names its request."""
    name = str(email or "") or "a request"
    return f"{name}, row {row}" if row not in (None, "") else name


class TrailModal(Dialog[None]):
    """Who did what to one request, oldest first (the backend's audit journal)."""

    HELP_NAME = "Audit trail"
    HELP_EXTRA = (("↑, ↓", "Move; the line under the table shows the whole entry"),)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, link: BackendLink, request_key: str, about: str = "") -> None:
        super().__init__()
        self.link = link
        self.request_key = request_key
        self.about = about or "a request"
        self.records: list[AuditView] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Audit trail of {plain(self.about, 80)}"), classes="title")
            yield DataTable(cursor_type="row", id="trail")
            yield Static(id="trail-detail")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#trail", DataTable)

    def on_mount(self) -> None:
        for key, label, width in (*COLUMNS, ("detail", "Detail", DETAIL_MIN)):
            self.table.add_column(Text(label), key=key, width=width)
        self.table.focus()
        self.call_after_refresh(self.fit_detail)
        self.load()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.fit_detail)

    def fit_detail(self) -> None:
        """The detail column gets the table's width the others leave (no sideways scrolling)."""
        used = sum(width + 2 for _, _, width in COLUMNS) + 2 + 2  # cell padding, scrollbar
        column = self.table.columns[ColumnKey("detail")]
        column.width = max(DETAIL_MIN, self.table.size.width - used)
        self.table._require_update_dimensions = True  # private; Textual is pinned exactly
        self.table.refresh()

    @work(thread=True, exclusive=True, group="trail", exit_on_error=False)
    @reports_failure("audit trail")
    def load(self) -> None:
        self.post_message(TrailLoaded(self.link.audit_trail(self.request_key)))

    def on_trail_loaded(self, message: TrailLoaded) -> None:
        self.records = list(message.records)
        for record in self.records:
            self.table.add_row(
                cell(when(record["at"]), WHEN_WIDTH),
                cell(record["operator"], 40),
                cell(action_label(record["action"]), 40),
                cell(detail_words(record["detail"]), 300),
            )
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        line = self.query_one("#trail-detail", Static)
        row = self.table.cursor_row
        if not self.records:
            line.update(Text("nothing recorded yet", style="dim"))
        elif 0 <= row < len(self.records):
            record = self.records[row]
            line.update(
                Text(
                    plain(
                        f"{when(record['at'])} {record['operator']} "
                        f"{action_label(record['action'])}: "
                        f"{detail_words(record['detail'])}",
                        600,
                    ),
                    style="dim",
                )
            )

    def on_call_failed(self, message: CallFailed) -> None:
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def action_close(self) -> None:
        self.dismiss()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()
