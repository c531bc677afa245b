"""`spreadsheets:batchUpdate` sub-requests, built here for every store.

The Google store sends what the builders return; the embedded store and the Sheets fake apply the
very same dicts to a `Workbook` with `grid_apply.apply_batch`, so every store has the same
semantics:
`appendCells` with `stringValue` cells (text, never parsed), then `deleteDimension`s in descending
order with neighbouring rows merged, so earlier deletes never shift later ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from moc_tui.core.sheets.a1 import cell_name, quote_title
from moc_tui.core.sheets.grid import check_value, trim_row

Request = dict[str, Any]
Row = list[str]

# -- builders ----------------------------------------------------------------------------------


def text_cell(value: str) -> dict[str, Any]:
    """A `CellData` holding `value` as text; blank stays `{}` so it does not count as data."""
    check_value(value)
    return {"userEnteredValue": {"stringValue": value}} if value else {}


def append_cells(sheet_id: int, rows: Sequence[Sequence[str]]) -> Request:
    """Append `rows` after the last row with data of the sheet, as text."""
    return {
        "appendCells": {
            "sheetId": sheet_id,
            "fields": "userEnteredValue",
            "rows": [{"values": [text_cell(v) for v in trim_row(row)]} for row in rows],
        }
    }


def row_runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """1-based row numbers -> `(first, last)` runs of neighbours, highest run first."""
    if any(not isinstance(r, int) or isinstance(r, bool) or r < 1 for r in rows):
        raise ValueError(f"row numbers start at 1: {list(rows)}")
    runs: list[tuple[int, int]] = []
    for row in sorted(set(rows), reverse=True):
        if runs and runs[-1][0] == row + 1:
            runs[-1] = (row, runs[-1][1])
        else:
            runs.append((row, row))
    return runs


def delete_rows(sheet_id: int, rows: Sequence[int]) -> list[Request]:
    """`deleteDimension`s removing `rows` (1-based), bottom first."""
    return [
        {
            "deleteDimension": {
                "range": {
                    "sheetId": sheet_id,
                    "dimension": "ROWS",
                    "startIndex": first - 1,
                    "endIndex": last,
                }
            }
        }
        for first, last in row_runs(rows)
    ]


def cell_updates(tab: str, cells: Mapping[tuple[int, int], str]) -> list[tuple[str, list[Row]]]:
    """`(range, [[value]])` per cell: the `data` of one `values:batchUpdate`."""
    data = []
    for (row, col), value in sorted(cells.items()):
        if row < 1 or col < 1:
            raise ValueError(f"cells are 1-based, got ({row}, {col})")
        data.append((f"{quote_title(tab)}!{cell_name(row, col)}", [[check_value(value)]]))
    return data


def check_move(rows: Sequence[int], expected: Sequence[Sequence[str]]) -> None:
    """Refuse `move_rows` arguments that cannot be right, before anything is read or sent."""
    row_runs(rows)
    if len(rows) != len(expected) or len(set(rows)) != len(rows):
        raise ValueError("move_rows needs distinct rows and one expected row per row")


def changed_rows(
    rows: Sequence[int], expected: Sequence[Sequence[str]], actual: Sequence[Sequence[str]]
) -> list[int]:
    """The row numbers whose current content (trimmed) differs from what the caller read."""
    return [r for r, e, a in zip(rows, expected, actual, strict=True) if trim_row(e) != trim_row(a)]
