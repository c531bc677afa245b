"""An in-memory spreadsheet with Google Sheets' rules: one grid for the fake and the local store.

A `Workbook` is a list of `Tab`s; a tab is a grid (`row_count` x `col_count`, 1000 x 26 by default)
whose cells are strings (`""` is blank). The rules copied from Sheets v4, so the embedded store and
the fake cannot drift apart:

- reads trim trailing blank cells of each row and trailing blank rows; interior blank rows are `[]`;
- a range whose first cell lies outside the grid is a 400 ("exceeds grid limits"); writes grow the
  grid to fit their end, reads are clipped to it;
- deleting rows shifts the rows below up and shrinks the grid; deleting every row is refused;
- `appendCells` writes after the last row holding data (growing the grid if needed);
- a batch (`Workbook.batch_write` here, `grid_apply.apply_batch` for `:batchUpdate`) is applied to a
  copy and committed only if every sub-request succeeds, so a failing batch changes nothing;
- a cell holds at most 50,000 characters.

Values arrive here already decoded to text. Whoever decodes them (the fake) records how they were
written, through `CellWrite` notes that are only reported once the batch commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from moc_tui.core.sheets.a1 import (
    A1Error,
    A1Range,
    cell_name,
    format_range,
    parse_range,
    quote_title,
)
from moc_tui.core.sheets.store import SheetError

Row = list[str]

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELL_CHARS = 50_000

Decoder = Callable[[Mapping[str, Any]], tuple[str, str]]
"""Turns one `CellData` into `(text, kind)`; `kind` says how the value was given."""


class GridError(SheetError):
    """A request Sheets would refuse; `code`/`status` are what Google answers with."""

    def __init__(self, message: str, *, code: int = 400, status: str = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class UnknownTab(GridError):
    """A range or request names a tab that does not exist."""

    def __init__(self, message: str, tab: str) -> None:
        super().__init__(message)
        self.tab = tab


@dataclass(frozen=True)
class CellWrite:
    """One cell written by a committed batch, with how its value was given (`kind`)."""

    tab: str
    row: int
    col: int
    value: str
    kind: str


def trim_row(row: Sequence[str]) -> Row:
    """Drop trailing blank cells."""
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return list(row[:end])


def trim_rows(rows: Iterable[Sequence[str]]) -> list[Row]:
    """Trim every row and drop trailing blank rows: the shape the Sheets API returns."""
    trimmed = [trim_row(r) for r in rows]
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def check_value(value: object) -> str:
    """Every stored value is text within Google's per-cell limit."""
    if not isinstance(value, str):
        raise TypeError(f"sheet values must be str, not {type(value).__name__}")
    if len(value) > MAX_CELL_CHARS:
        raise GridError(
            f"Your input contains more than the maximum of {MAX_CELL_CHARS} characters "
            "in a single cell."
        )
    return value


@dataclass
class Tab:
    """One sheet: its id, title, grid size and the rows that were ever written (may hold blanks)."""

    sheet_id: int
    title: str
    rows: list[Row] = field(default_factory=list)
    row_count: int = DEFAULT_ROWS
    col_count: int = DEFAULT_COLS

    def values(self) -> list[Row]:
        return trim_rows(self.rows)

    def last_data_row(self) -> int:
        """1-based number of the last row holding data; 0 when the tab is empty."""
        for index in range(len(self.rows), 0, -1):
            if any(self.rows[index - 1]):
                return index
        return 0

    def put(self, row: int, col: int, value: str) -> None:
        """Set one cell (1-based), growing the grid to hold it."""
        check_value(value)
        self.row_count = max(self.row_count, row)
        self.col_count = max(self.col_count, col)
        while len(self.rows) < row:
            self.rows.append([])
        line = self.rows[row - 1]
        if len(line) < col:
            line.extend([""] * (col - len(line)))
        line[col - 1] = value

    def limits_error(self, text: str) -> GridError:
        return GridError(
            f"Range ({text}) exceeds grid limits. Max rows: {self.row_count}, "
            f"max columns: {self.col_count}"
        )


class Workbook:
    """Tabs in order, with the value-level and batch-level operations of Sheets v4."""

    def __init__(self, tabs: Iterable[Tab] = (), metadata: Mapping[int, Any] | None = None) -> None:
        self.tabs: list[Tab] = list(tabs)
        # Developer metadata by id (`metadata.Meta`, immutable); see `moc_tui.core.sheets.metadata`.
        self.metadata: dict[int, Any] = dict(metadata or {})

    def copy(self) -> Workbook:
        """A copy whose rows can change freely (cells are immutable strings, so shared)."""
        return Workbook(
            (
                Tab(t.sheet_id, t.title, [list(r) for r in t.rows], t.row_count, t.col_count)
                for t in self.tabs
            ),
            self.metadata,
        )

    def rows_deleted(self, sheet_id: int, start: int, end: int) -> None:
        """Rows `start..end-1` (0-based) of a sheet are gone: so is their metadata; the rest of
        that sheet's row metadata shifts up with its rows."""
        for mid, meta in list(self.metadata.items()):
            if meta.sheet_id != sheet_id or meta.row is None or meta.row < start:
                continue
            if meta.row < end:
                del self.metadata[mid]
            else:
                self.metadata[mid] = replace(meta, row=meta.row - (end - start))

    def rows_inserted(self, sheet_id: int, start: int, count: int) -> None:
        """`count` rows were inserted at `start` (0-based): row metadata at or below shifts down."""
        for mid, meta in list(self.metadata.items()):
            if meta.sheet_id == sheet_id and meta.row is not None and meta.row >= start:
                self.metadata[mid] = replace(meta, row=meta.row + count)

    def commit(self, work: Workbook) -> None:
        """Take over the state of `work`, a changed copy of this workbook."""
        self.tabs, self.metadata = work.tabs, work.metadata

    def find(self, title: str) -> Tab | None:
        return next((t for t in self.tabs if t.title == title), None)

    def tab(self, title: str) -> Tab:
        found = self.find(title)
        if found is None:
            raise UnknownTab(f"Unable to parse range: {quote_title(title)}", title)
        return found

    def tab_by_id(self, sheet_id: object, where: str) -> Tab:
        found = next((t for t in self.tabs if t.sheet_id == sheet_id), None)
        if found is None:
            raise GridError(f"Invalid {where}: No grid with id: {sheet_id}")
        return found

    def add_tab(
        self,
        title: str,
        rows: Iterable[Sequence[str]] = (),
        *,
        sheet_id: int | None = None,
        row_count: int = DEFAULT_ROWS,
        col_count: int = DEFAULT_COLS,
    ) -> Tab:
        """Create a tab (a grid of at least the default size) holding `rows`."""
        if not title or self.find(title) is not None:
            raise GridError(f"A sheet with the name {title!r} already exists or is empty.")
        if sheet_id is None:
            sheet_id = max((t.sheet_id for t in self.tabs), default=-1) + 1
        tab = Tab(sheet_id, title, row_count=row_count, col_count=col_count)
        for r, line in enumerate(rows, start=1):
            for c, value in enumerate(line, start=1):
                if value:
                    tab.put(r, c, value)
        self.tabs.append(tab)
        return tab

    # -- values ------------------------------------------------------------------------------

    def locate(self, text: str) -> tuple[Tab, A1Range]:
        """Find the tab a range names; a bare `A1:B2` means the first tab, as in Sheets."""
        try:
            rng = parse_range(text)
        except A1Error as error:
            raise GridError(str(error)) from error
        assert rng.title is not None
        found = self.find(rng.title)
        if found is not None:
            return found, rng
        if "!" not in text and not text.startswith("'") and self.tabs:
            try:
                cells = parse_range(f"'{self.tabs[0].title}'!{text}")
            except A1Error:
                pass
            else:
                return self.tabs[0], cells
        raise UnknownTab(f"Unable to parse range: {text}", rng.title)

    @staticmethod
    def bounds(tab: Tab, rng: A1Range, text: str) -> tuple[int, int, int, int]:
        """Resolve open ends against the grid; refuse a start outside it."""
        first_row = rng.first_row or 1
        first_col = rng.first_col or 1
        if first_row > tab.row_count or first_col > tab.col_count:
            raise tab.limits_error(text)
        last_row = rng.last_row if rng.last_row is not None else tab.row_count
        last_col = rng.last_col if rng.last_col is not None else tab.col_count
        if last_row < first_row or last_col < first_col:
            raise GridError(f"Unable to parse range: {text}")
        return first_row, first_col, last_row, last_col

    def read(self, text: str) -> tuple[str, list[Row]]:
        """Values of a range (clipped to the grid, trimmed) and the range as Google echoes it."""
        tab, rng = self.locate(text)
        r1, c1, r2, c2 = self.bounds(tab, rng, text)
        r2, c2 = min(r2, tab.row_count), min(c2, tab.col_count)
        rows = [line[c1 - 1 : c2] for line in tab.rows[r1 - 1 : r2]]
        return format_range(tab.title, r1, c1, r2, c2), trim_rows(rows)

    def _write(
        self, text: str, values: Sequence[Sequence[str]], kind: str, notes: list[CellWrite]
    ) -> dict[str, Any]:
        tab, rng = self.locate(text)
        r1, c1, _, _ = self.bounds(tab, rng, text)
        width = max((len(v) for v in values), default=0)
        for dr, line in enumerate(values):
            for dc, value in enumerate(line):
                tab.put(r1 + dr, c1 + dc, value)
                notes.append(CellWrite(tab.title, r1 + dr, c1 + dc, value, kind))
        last_row, last_col = r1 + max(len(values), 1) - 1, c1 + max(width, 1) - 1
        return {
            "updatedRange": format_range(tab.title, r1, c1, last_row, last_col),
            "updatedRows": len(values),
            "updatedColumns": width,
            "updatedCells": sum(len(v) for v in values),
        }

    def batch_write(
        self,
        data: Sequence[tuple[str, Sequence[Sequence[str]]]],
        kind: str,
        notes: list[CellWrite] | None = None,
    ) -> list[dict[str, Any]]:
        """Write several ranges atomically (`values:batchUpdate`, or one `values.update`)."""
        work, pending = self.copy(), list[CellWrite]()
        replies = [work._write(text, values, kind, pending) for text, values in data]
        self.commit(work)
        if notes is not None:
            notes.extend(pending)
        return replies

    def append(
        self,
        text: str,
        values: Sequence[Sequence[str]],
        *,
        insert_rows: bool,
        kind: str,
        notes: list[CellWrite] | None = None,
    ) -> dict[str, Any]:
        """`values.append`: after the table starting at the range's first row (an approximation).

        The table is the run of non-blank rows from the range's first row down; the values go
        right under it (at the first row itself if that is blank), overwriting (OVERWRITE) or
        pushing rows down (INSERT_ROWS). So a blank row inside the data ends the table early.
        """
        work = self.copy()
        tab, rng = work.locate(text)
        r1, c1, _, _ = work.bounds(tab, rng, text)
        target = r1
        while target <= len(tab.rows) and any(tab.rows[target - 1]):
            target += 1
        if insert_rows and target <= len(tab.rows):
            tab.rows[target - 1 : target - 1] = [[] for _ in values]
            tab.row_count += len(values)
            work.rows_inserted(tab.sheet_id, target - 1, len(values))
        tab.row_count = max(tab.row_count, target + len(values) - 1)  # append grows the grid
        pending: list[CellWrite] = []
        updates = work._write(
            f"{quote_title(tab.title)}!{cell_name(target, c1)}", values, kind, pending
        )
        self.commit(work)
        if notes is not None:
            notes.extend(pending)
        table = format_range(tab.title, r1, c1, max(target - 1, r1), tab.col_count)
        return {"tableRange": table, "updates": updates}
