"""One base for the read-only record screens (the errors log, the not-activated users).

Both are the same screen: a title line, a hidden `/` filter over the whole JSON of each record,
a table, a detail line under it, `t` for the audit trail of the record's request, `Esc` that
clears the filter before it goes back. The base holds that once; a subclass says only what
differs: its ids and words, its columns and cells, its load worker and loaded message.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input
from textual.widgets.data_table import ColumnKey

from moc_tui.protocol.views import ErrorView, NotActivatedView
from moc_tui.tui.backend_link import BackendLink
from moc_tui.tui.messages import CallFailed
from moc_tui.tui.screens.trail import TrailModal
from moc_tui.tui.widgets.bars import StatusLine
from moc_tui.tui.widgets.field import SteadyInput


def record_bindings(*own: BindingType, show_reload: bool = True) -> list[BindingType]:
    """The keys of a record screen, the screen's `own` ones after `/` (the footer's order).

    A function, not inherited `BINDINGS`: Textual puts a subclass's new keys after the base's,
    which would reorder the footer.
    """
    return [
        Binding("slash", "filter", "Filter", key_display="/"),
        *own,
        Binding("t", "trail", "Audit trail"),
        Binding("R", "reload", "Reload", show=show_reload),
        Binding("escape", "back", "Back"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]


# the kind of record a screen lists: each screen indexes the keys its own kind has
View = TypeVar("View", bound=ErrorView | NotActivatedView)


class RecordsScreen(Screen[None], Generic[View]):
    """Records from the backend in a filterable table; subclasses fill in the blanks below."""

    heading: ClassVar[str]
    filter_placeholder: ClassVar[str]
    title_id: ClassVar[str]
    filter_id: ClassVar[str]
    table_id: ClassVar[str]
    detail_id: ClassVar[str]
    columns: ClassVar[tuple[tuple[str, str, int], ...]]  # (key, label, width at 80 columns)
    flex: ClassVar[str] = ""  # the column that takes the width a wider terminal has to spare
    failures_on_detail: ClassVar[bool] = False  # a failed call also said on the detail line

    def __init__(self, link: BackendLink) -> None:
        super().__init__()
        self.link = link
        self.records: list[View] = []
        self.shown: list[View] = []  # the records in the table, in its order
        self.loaded = False

    # What a subclass says.

    def cells(self, record: View) -> tuple[Text, ...]:
        """One table row, a `cell` per column."""
        raise NotImplementedError

    def title_words(self) -> str:
        """The title line once records are shown."""
        raise NotImplementedError

    def describe(self, record: View | None) -> str:
        """The detail line for the record under the cursor (None: an empty table)."""
        raise NotImplementedError

    def action_reload(self) -> None:
        """Start the load worker; its loaded message handler calls `show_records`."""
        raise NotImplementedError

    def trail_subject(self, record: View) -> str:
        """Who the audit trail is of, in the trail's title."""
        raise NotImplementedError

    # The shared screen.

    def compose(self) -> ComposeResult:
        yield StatusLine(Text(self.heading, style="bold"), id=self.title_id)
        yield SteadyInput(placeholder=self.filter_placeholder, id=self.filter_id)
        yield DataTable(cursor_type="row", id=self.table_id)
        yield StatusLine(id=self.detail_id)
        yield Footer(compact=True)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(f"#{self.table_id}", DataTable)

    @property
    def filter_box(self) -> Input:
        return self.query_one(f"#{self.filter_id}", Input)

    def line(self, widget_id: str) -> StatusLine:
        return self.query_one(f"#{widget_id}", StatusLine)

    def on_mount(self) -> None:
        self.filter_box.display = False
        for (key, label, _), width in zip(self.columns, self.widths(self.size.width), strict=True):
            self.table.add_column(Text(label), key=key, width=width)
        self.table.focus()
        self.action_reload()

    def widths(self, total: int) -> list[int]:
        """The 80-column widths, the `flex` column widened by what `total` has to spare."""
        spare = total - 80
        return [w + spare if key == self.flex and spare > 0 else w for (key, _, w) in self.columns]

    def on_resize(self, event: events.Resize) -> None:
        for (key, _, _), width in zip(self.columns, self.widths(event.size.width), strict=True):
            self.table.columns[ColumnKey(key)].width = width
        self.table._require_update_dimensions = True  # private; Textual is pinned exactly
        self.table.refresh()

    def show_records(self, records: Sequence[View]) -> None:
        self.records = list(records)
        self.loaded = True
        self.refresh_rows()

    def on_call_failed(self, message: CallFailed) -> None:
        if self.failures_on_detail:
            self.line(self.detail_id).say(f"{message.what} failed: {message.text}", "red")
        self.notify(message.text, title=f"{message.what} failed", severity="error", markup=False)

    def visible_records(self) -> list[View]:
        needle = self.filter_box.value.casefold()
        return [
            r
            for r in self.records
            if not needle or needle in json.dumps(r, ensure_ascii=False).casefold()
        ]

    def refresh_rows(self) -> None:
        self.table.clear()
        self.shown = self.visible_records()
        for index, record in enumerate(self.shown):
            self.table.add_row(*self.cells(record), key=str(index))
        self.line(self.title_id).say(self.title_words(), "bold")
        self._show_detail()

    def cursor_record(self) -> View | None:
        if not self.table.row_count:
            return None
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        self.line(self.detail_id).say(self.describe(self.cursor_record()))

    def action_filter(self) -> None:
        self.filter_box.display = True
        self.filter_box.focus()

    @on(Input.Changed)
    def _filtered(self, event: Input.Changed) -> None:
        if event.input.id == self.filter_id:
            self.refresh_rows()

    @on(Input.Submitted)
    def _kept(self, event: Input.Submitted) -> None:
        if event.input.id == self.filter_id:
            self.table.focus()

    def action_back(self) -> None:
        if self.filter_box.display:
            self.filter_box.value = ""
            self.filter_box.display = False
            self.table.focus()
        else:
            self.dismiss()

    def action_trail(self) -> None:
        record = self.cursor_record()
        if record is None:
            return
        key = record["request_key"]
        if not key:
            self.notify("This entry belongs to no request: it has no audit trail.", markup=False)
            return
        self.app.push_screen(TrailModal(self.link, key, self.trail_subject(record)))

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()
