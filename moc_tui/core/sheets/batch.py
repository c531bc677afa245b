"""`spreadsheets:batchUpdate` sub-requests: built here by both stores, applied here to a `Workbook`.

The Google store sends what the builders return; the local store and the fake apply the very same
dicts with `apply_batch`. One module for both sides keeps the two stores' semantics identical:
`appendCells` with `stringValue` cells (text, never parsed), then `deleteDimension`s in descending
order with neighbouring rows merged, so earlier deletes never shift later ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from moc_tui.core.sheets import metadata
from moc_tui.core.sheets.a1 import cell_name, quote_title
from moc_tui.core.sheets.grid import (
    CellWrite,
    Decoder,
    GridError,
    Tab,
    Workbook,
    check_value,
    trim_row,
)

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


# -- applier -----------------------------------------------------------------------------------


def decode_string_cell(cell: Mapping[str, Any]) -> tuple[str, str]:
    """`{}` is blank, `{"userEnteredValue": {"stringValue": s}}` is text; the rest is refused."""
    entered = cell.get("userEnteredValue")
    if entered is None:
        return "", "blank"
    if isinstance(entered, Mapping) and set(entered) == {"stringValue"}:
        return check_value(entered["stringValue"]), "stringValue"
    raise GridError(f"only stringValue cells are accepted here, got {entered!r:.80}")


def apply_batch(
    book: Workbook,
    requests: Sequence[Mapping[str, Any]],
    decode: Decoder = decode_string_cell,
    notes: list[CellWrite] | None = None,
) -> list[dict[str, Any]]:
    """Apply sub-requests in order on a copy of `book`; commit only if all succeed."""
    work, pending = book.copy(), list[CellWrite]()
    replies = []
    for index, request in enumerate(requests):
        if not isinstance(request, Mapping) or len(request) != 1:
            raise GridError(f"Invalid requests[{index}]: exactly one kind of request expected")
        ((kind, body),) = request.items()
        handler = _HANDLERS.get(kind)
        if handler is None:
            raise GridError(f"Invalid requests[{index}]: unsupported request {kind!r}")
        if not isinstance(body, Mapping):
            raise GridError(f"Invalid requests[{index}].{kind}: expected an object")
        replies.append(handler(work, body, f"requests[{index}].{kind}", decode, pending))
    book.commit(work)
    if notes is not None:
        notes.extend(pending)
    return replies


def _row_span(tab: Tab, body: Mapping[str, Any], where: str) -> tuple[int, int]:
    rng = body.get("range") or {}
    if rng.get("dimension") != "ROWS":
        raise GridError(f"Invalid {where}: only dimension ROWS is supported (fake)")
    start = rng.get("startIndex", 0)
    end = rng.get("endIndex", tab.row_count)
    if not (isinstance(start, int) and isinstance(end, int)) or start < 0 or end <= start:
        raise GridError(f"Invalid {where}: bad range {start}..{end}")
    return start, end


def _delete_dimension(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    tab = book.tab_by_id((body.get("range") or {}).get("sheetId"), where)
    start, end = _row_span(tab, body, where)
    if end > tab.row_count:
        raise GridError(
            f"Invalid {where}: Cannot delete a row that doesn't exist. Tried to delete row index "
            f"{end - 1} but there are only {tab.row_count} rows."
        )
    if end - start >= tab.row_count:
        raise GridError(f"Invalid {where}: You can't delete all the rows on the sheet.")
    del tab.rows[start:end]
    tab.row_count -= end - start
    book.rows_deleted(tab.sheet_id, start, end)
    return {}


def _insert_dimension(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    tab = book.tab_by_id((body.get("range") or {}).get("sheetId"), where)
    start, end = _row_span(tab, body, where)
    if start > tab.row_count:
        raise GridError(f"Invalid {where}: startIndex {start} is beyond the grid")
    if start < len(tab.rows):
        tab.rows[start:start] = [[] for _ in range(end - start)]
    tab.row_count += end - start
    book.rows_inserted(tab.sheet_id, start, end - start)
    return {}


def _write_row_data(
    tab: Tab,
    first_row: int,
    first_col: int,
    rows: Any,
    decode: Decoder,
    notes: list[CellWrite],
    where: str,
) -> None:
    if not isinstance(rows, list):
        raise GridError(f"Invalid {where}: rows must be a list")
    for dr, row_data in enumerate(rows):
        for dc, cell in enumerate((row_data or {}).get("values") or []):
            value, kind = decode(cell or {})
            tab.put(first_row + dr, first_col + dc, value)
            if kind != "blank":
                notes.append(CellWrite(tab.title, first_row + dr, first_col + dc, value, kind))
        if first_row + dr > tab.row_count:
            tab.row_count = first_row + dr


def _check_fields(body: Mapping[str, Any], where: str) -> None:
    fields = body.get("fields")
    if not fields:
        raise GridError(f"Invalid {where}: At least one field must be specified.")
    if fields not in ("*", "userEnteredValue"):
        raise GridError(f"Invalid {where}: only fields userEnteredValue is supported (fake)")


def _append_cells(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    tab = book.tab_by_id(body.get("sheetId"), where)
    _check_fields(body, where)
    _write_row_data(tab, tab.last_data_row() + 1, 1, body.get("rows"), decode, notes, where)
    return {}


def _update_cells(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    if "start" not in body:
        raise GridError(f"Invalid {where}: only 'start' is supported, not 'range' (fake)")
    start = body["start"]
    tab = book.tab_by_id(start.get("sheetId"), where)
    _check_fields(body, where)
    row, col = start.get("rowIndex", 0) + 1, start.get("columnIndex", 0) + 1
    if row > tab.row_count or col > tab.col_count:
        raise tab.limits_error(f"{quote_title(tab.title)}!{cell_name(row, col)}")
    _write_row_data(tab, row, col, body.get("rows"), decode, notes, where)
    return {}


def _create_metadata(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    """`CreateDeveloperMetadataRequest` (Google's reference: spreadsheets/request): the id must
    not exist yet (it is spreadsheet-scoped and unique), else the whole batch fails."""
    meta = metadata.parse(body.get("developerMetadata") or {})
    metadata.add(book, meta, where)
    return {"createDeveloperMetadata": {"developerMetadata": meta.resource()}}


def _delete_metadata(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    """`DeleteDeveloperMetadataRequest`: deletes what its DataFilter selects. Google does not
    document a filter that selects nothing; the fake deletes nothing then, and the stores never
    depend on either answer (`rowids`)."""
    chosen = metadata.select(book, body.get("dataFilter"), where)
    for meta in chosen:
        del book.metadata[meta.metadata_id]
    deleted = [m.resource() for m in chosen]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}


_HANDLERS = {
    "createDeveloperMetadata": _create_metadata,
    "deleteDeveloperMetadata": _delete_metadata,
    "deleteDimension": _delete_dimension,
    "insertDimension": _insert_dimension,
    "appendCells": _append_cells,
    "updateCells": _update_cells,
}
