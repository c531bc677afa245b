"""The requests table: one line per pending request, a status word, selection and a live filter.

Every cell is a literal `Text` (security.md R1): a name like `[@click=app.quit]x[/]` is shown as
typed and clicking it does nothing. Status is always glyph + word, never colour alone (NO_COLOR).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowKey

from moc_tui.tui.filtering import parse
from moc_tui.tui.sorting import ASCENDING, DESCENDING, SHEET_ORDER, next_column, sorted_by
from moc_tui.tui.text import cell, plain
from moc_tui.tui.widgets.row_state import (
    ACCESS_COLUMNS,
    CELL_LIMIT,
    DENIED,
    DONE,
    FAILED,
    FIXED,
    GLYPHS,
    HELD,
    HELD_STATES,
    PROBLEM,
    QUOTA_COLUMNS,
    READY,
    RUNNING,
    SELECTABLE,
    STYLES,
    RowState,
    View,
    column_value,
    name_of,
    status_cell,
    unique_keys,
    widths,
)

# the row model lives in row_state.py; the screens import it from here, with the table
__all__ = [
    "ACCESS_COLUMNS",
    "CELL_LIMIT",
    "DENIED",
    "DONE",
    "FAILED",
    "FIXED",
    "GLYPHS",
    "HELD",
    "HELD_STATES",
    "PROBLEM",
    "QUOTA_COLUMNS",
    "READY",
    "RUNNING",
    "SELECTABLE",
    "STYLES",
    "RequestsTable",
    "RowState",
    "View",
    "column_value",
    "name_of",
    "status_cell",
    "unique_keys",
    "widths",
]


class RequestsTable(DataTable[Text]):
    """DataTable over `RowState`s; the screen owns the data, this widget shows and selects."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
        Binding("s", "sort_next", "Sort by the next column", show=False),
        Binding("S", "sort_reverse", "Reverse the sort", show=False),
    ]

    def __init__(self, columns: list[tuple[str, str, int]], **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.spec = columns
        self.states: list[RowState] = []
        self.by_key: dict[str, RowState] = {}
        self.selected: set[str] = set()
        self.filter_text = ""
        self.laid_out_for = 0
        # every loaded row and its cells, built once per load; `rows` holds the visible ones
        self._all_rows: dict[RowKey, Row] = {}
        self._all_data: dict[RowKey, dict[ColumnKey, Text]] = {}
        self._haystacks: list[tuple[dict[str, str], RowState]] = []  # what a filter searches
        self._position: dict[str, int] = {}
        self._shown: list[str] = []  # the keys of the rows shown, in order
        self.sort_column = SHEET_ORDER  # a column key, or the sheet's order
        self.sort_reverse = False
        self.in_range: set[str] = set()  # a range being chosen (`v`), shown `┃`

    def on_mount(self) -> None:
        self._columns_for(self.size.width)

    def _columns_for(self, total: int) -> None:
        self.laid_out_for = total
        self.add_column(Text(" "), key="sel", width=1)
        self.add_column(Text("Status"), key="status", width=13)
        self.add_column(Text("Row"), key="row", width=4)
        for (key, label, _), width in zip(self.spec, widths(self.spec, total), strict=True):
            self.add_column(Text(label), key=key, width=width)

    def on_resize(self, event: events.Resize) -> None:
        """Wider terminals show more of each value: the columns get new widths in place.

        In place, not by clearing and adding the rows again: that cost 0.4 s at 5,000 rows,
        and the table's width also changes when the filter box appears (bench/tui.py).
        DataTable's own resize handler has already invalidated its render caches.
        """
        total = event.size.width
        if widths(self.spec, total) == widths(self.spec, self.laid_out_for):
            return
        self.laid_out_for = total
        for (key, _, _), width in zip(self.spec, widths(self.spec, total), strict=True):
            self.columns[ColumnKey(key)].width = width
        self._update_dimensions(())
        self.refresh()

    # the data ---------------------------------------------------------------------------------
    def load(self, states: list[RowState]) -> None:
        """Every row's cells are built here, once; the filter only chooses which are shown."""
        self.states = states
        self.by_key = {s.key: s for s in states}
        self.selected &= {k for k, s in self.by_key.items() if s.status in SELECTABLE}
        self._all_rows = {}
        self._all_data = {}
        self._haystacks = [(state.haystack(self.spec), state) for state in states]
        self._position = {state.key: n for n, state in enumerate(states)}
        for state in states:
            key = RowKey(state.key)
            self._all_rows[key] = Row(key, 1, None, False)
            self._all_data[key] = dict(zip(self._column_keys(), self._cells(state), strict=True))
        self._show(self.visible_states())

    def state(self, key: str) -> RowState:
        return self.by_key[key]

    def visible_states(self) -> list[RowState]:
        """The rows the filter keeps: it looks only at what the row shows (no hidden field)."""
        wanted = parse(self.filter_text, self.headers())
        kept = (
            [state for fields, state in self._haystacks if wanted.keeps(fields)]
            if wanted
            else list(self.states)
        )
        if self.sort_column == SHEET_ORDER:
            return kept
        return sorted_by(kept, self._sort_value, self.sort_reverse)

    def _sort_value(self, state: RowState) -> str:
        if self.sort_column == "status":
            return state.status
        if self.sort_column == "row":
            return "" if state.status == DONE else str(state.view["row"])
        return column_value(state.view, self.sort_column)

    # sorting ----------------------------------------------------------------------------------
    def sort_keys(self) -> list[str]:
        return ["status", "row", *(key for key, _, _ in self.spec)]

    def sort_label(self) -> str:
        """`Email ▲`, or "" in the sheet's order (for the counts line)."""
        if self.sort_column == SHEET_ORDER:
            return ""
        labels = dict(zip(self.sort_keys(), self.headers(), strict=True))
        return f"{labels[self.sort_column]} {DESCENDING if self.sort_reverse else ASCENDING}"

    def action_sort_next(self) -> None:
        self.sort_column = next_column(self.sort_keys(), self.sort_column)
        self.sort_reverse = False
        self._sorted()

    def action_sort_reverse(self) -> None:
        if self.sort_column == SHEET_ORDER:
            self.sort_column = self.sort_keys()[0]
        else:
            self.sort_reverse = not self.sort_reverse
        self._sorted()

    def _sorted(self) -> None:
        """Headers say which column sorts, and which way; the cursor stays on its request."""
        for key, label in zip(self.sort_keys(), self.headers(), strict=True):
            mark = ""
            if key == self.sort_column:
                mark = " " + (DESCENDING if self.sort_reverse else ASCENDING)
            self.columns[ColumnKey(key)].label = Text(label + mark)
        self.refresh_rows()
        self.post_message(self.SortChanged())

    class SortChanged(Message):
        """The sort changed: the screen's counts line says it."""

    def headers(self) -> list[str]:
        """The column headers a filter's `col:value` may name."""
        return ["Status", "Row", *(label for _, label, _ in self.spec)]

    def refresh_rows(self, force: bool = True) -> None:
        """Show the rows the filter keeps, keeping the cursor on the same request when possible.

        With `force=False` (a filter keystroke) nothing changes when the same rows stay visible.
        """
        visible = self.visible_states()
        if not force and [s.key for s in visible] == self._shown:
            return
        self._show(visible)

    def _show(self, visible: list[RowState]) -> None:
        """Make `visible` the table's rows without building a row or a cell again.

        DataTable has no hidden rows; clearing it and adding 5,000 rows back cost about 0.4 s
        a keystroke (bench/tui.py). Its row index (private, Textual is pinned exactly) is
        rebuilt instead from the rows and cells `load` made, which is a few dict operations.
        """
        current = self.cursor_key()
        self._shown = [s.key for s in visible]
        keys = [RowKey(key) for key in self._shown]
        self.rows.clear()
        self.rows.update((k, self._all_rows[k]) for k in keys)
        self._data.clear()
        self._data.update((k, self._all_data[k]) for k in keys)
        self._row_locations = TwoWayDict({k: i for i, k in enumerate(keys)})
        self._clear_caches()
        self._update_count += 1
        self._require_update_dimensions = True
        index = 0
        if current is not None and RowKey(current) in self._row_locations:
            index = self._row_locations.get(RowKey(current)) or 0
        self.cursor_coordinate = Coordinate(min(index, max(len(keys) - 1, 0)), 0)
        self._update_dimensions(())
        self.refresh()
        if keys:
            self.call_after_refresh(self.scroll_to_cursor)

    def scroll_to_cursor(self) -> None:
        self._scroll_cursor_into_view(animate=False)

    def _column_keys(self) -> list[ColumnKey]:
        return [ColumnKey(k) for k in ("sel", "status", "row", *(k for k, _, _ in self.spec))]

    def _cells(self, state: RowState) -> list[Text]:
        # a done row has left the tab: its old number is another request's now
        values = [cell("—" if state.status == DONE else state.view["row"], 6)]
        values += [cell(column_value(state.view, k), CELL_LIMIT) for k, _, _ in self.spec]
        return [self._mark(state), status_cell(state), *values]

    def _mark(self, state: RowState) -> Text:
        if state.key in self.selected:
            return Text("✓", style="bold")
        return Text("┃" if state.key in self.in_range else " ", style="bold")

    def mark_range(self, keys: set[str]) -> None:
        """Rows of a range being chosen (lazygit's `v`) show `┃` in the mark column."""
        changed = self.in_range ^ keys
        self.in_range = keys
        self._marks_changed([self.by_key[k] for k in changed if k in self.by_key])

    def shown_keys(self) -> list[str]:
        """The keys of the rows shown, top to bottom."""
        return list(self._shown)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Every row is one line and every column has a width: only the scrollable size changes.

        DataTable's own version (private, Textual is pinned exactly) renders and measures each
        new row to size auto-width columns and auto-height rows, which this table has none of;
        at 5,000 rows that was 0.4 s of every rebuild (bench/tui.py).
        """
        width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(width + self._row_label_column_width, len(self.rows) + header)

    def update_state(self, state: RowState) -> None:
        """New status and mark cells, shown or not (the row may be filtered out now)."""
        data = self._all_data.get(RowKey(state.key))
        if data is None:
            return
        self._haystacks[self._position[state.key]] = (state.haystack(self.spec), state)
        data[ColumnKey("status")] = status_cell(state)
        data[ColumnKey("sel")] = self._mark(state)
        if state.key in self.rows:
            self._clear_caches()
            self.refresh()

    # cursor and selection ---------------------------------------------------------------------
    def cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # an empty or just-cleared table has no cell at the cursor
            return None
        return key

    def cursor_state(self) -> RowState | None:
        key = self.cursor_key()
        return None if key is None else self.state(key)

    def toggle(self, key: str) -> bool:
        """Select or unselect; False when the row cannot be selected (problem, done)."""
        state = self.state(key)
        if key in self.selected:
            self.selected.discard(key)
        elif state.status in SELECTABLE:
            self.selected.add(key)
        else:
            return False
        self.update_state(state)
        return True

    def select_visible(self) -> int:
        added = [self.by_key[k.value] for k in self.rows if k.value is not None]
        added = [s for s in added if s.status in SELECTABLE and s.key not in self.selected]
        self.selected |= {s.key for s in added}
        self._marks_changed(added)
        return len(added)

    def clear_selection(self) -> None:
        cleared = [self.by_key[k] for k in self.selected if k in self.by_key]
        self.selected.clear()
        self._marks_changed(cleared)

    def _marks_changed(self, states: list[RowState]) -> None:
        for state in states:
            data = self._all_data.get(RowKey(state.key))
            if data is not None:
                data[ColumnKey("sel")] = self._mark(state)
        self._clear_caches()
        self.refresh()

    def chosen(self) -> list[RowState]:
        """The selection in table order, or the cursor row when nothing is selected."""
        if self.selected:
            return [s for s in self.states if s.key in self.selected]
        state = self.cursor_state()
        return [state] if state is not None and state.status in SELECTABLE else []

    def counts(self, noun: str = "pending rows") -> str:
        """Total first, then the filter's result: at 80 columns the end of the line is cut."""
        by_status: dict[str, int] = {}
        for state in self.states:
            by_status[state.status] = by_status.get(state.status, 0) + 1
        held = sum(by_status.get(status, 0) for status in HELD_STATES)
        parts = [f"{noun}: {len(self.states) - held}"]  # a held row is not pending work
        if self.filter_text:  # the rows shown are the filtered ones: no second pass over them
            shown = self.row_count
            parts.append(f"filter: {plain(self.filter_text, 40)} ({shown} of {len(self.states)})")
        parts += [f"{n} {status}" for status, n in by_status.items()]
        parts.append(f"{len(self.selected)} selected")
        return " · ".join(parts)
