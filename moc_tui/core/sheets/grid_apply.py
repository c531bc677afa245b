"""Applying `:batchUpdate` requests and developer-metadata lookups to an in-memory `Workbook`.

Used only where there is no Google: the embedded store (`local`) and the Sheets fake
(`devstack`) apply the very requests `batch`, `metadata` and `rowids` build for the Google store,
with Google's rules (Google's reference: spreadsheets/request, DataFilter): a batch is applied on
a copy and committed only if every sub-request succeeds; metadata stays with its row as rows are
inserted or deleted. The Google store never imports this module
(`tests/unit/test_import_hygiene.py`). Messages are the API's own words where it has them; they
can reach an operator of the embedded store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from moc_tui.core.sheets.a1 import cell_name, quote_title
from moc_tui.core.sheets.grid import CellWrite, Decoder, GridError, Tab, Workbook, check_value
from moc_tui.core.sheets.metadata import Meta, parse

# -- batchUpdate ---------------------------------------------------------------------------------


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
        raise GridError(f"Invalid {where}: only dimension ROWS is supported")
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
        raise GridError(f"Invalid {where}: only fields userEnteredValue is supported")


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
        raise GridError(f"Invalid {where}: only 'start' is supported, not 'range'")
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
    meta = parse(body.get("developerMetadata") or {})
    add_metadata(book, meta, where)
    return {"createDeveloperMetadata": {"developerMetadata": meta.resource()}}


def _delete_metadata(
    book: Workbook, body: Mapping[str, Any], where: str, decode: Decoder, notes: list[CellWrite]
) -> dict[str, Any]:
    """`DeleteDeveloperMetadataRequest`: deletes what its DataFilter selects. Google does not
    document a filter that selects nothing; nothing is deleted here then, and the stores never
    depend on either answer (`rowids`)."""
    chosen = select(book, body.get("dataFilter"), where)
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


# -- developer metadata on the grid -------------------------------------------------------------


def matches(meta: Meta, lookup: Mapping[str, Any]) -> bool:
    """Whether `meta` is selected by a `DeveloperMetadataLookup`."""
    if "metadataId" in lookup and lookup["metadataId"] != meta.metadata_id:
        return False
    if "metadataKey" in lookup and lookup["metadataKey"] != meta.key:
        return False
    if "metadataValue" in lookup and lookup["metadataValue"] != meta.value:
        return False
    if "locationType" in lookup and lookup["locationType"] != meta.location()["locationType"]:
        return False
    where = lookup.get("metadataLocation")
    if where is not None:
        if lookup.get("locationMatchingStrategy", "EXACT_LOCATION") != "EXACT_LOCATION":
            raise GridError("only locationMatchingStrategy EXACT_LOCATION is supported")
        wanted = dict(where)
        wanted.pop("locationType", None)
        have = meta.location()
        have.pop("locationType")
        return bool(wanted == have)
    return True


def select(book: Workbook, data_filter: Any, where: str) -> list[Meta]:
    """The metadata a `DataFilter` holding a `developerMetadataLookup` selects."""
    if not isinstance(data_filter, Mapping) or set(data_filter) != {"developerMetadataLookup"}:
        raise GridError(f"Invalid {where}: only developerMetadataLookup filters are supported")
    lookup = data_filter["developerMetadataLookup"]
    if not isinstance(lookup, Mapping) or not lookup:
        raise GridError(f"Invalid {where}: an empty lookup selects nothing")
    return [m for m in book.metadata.values() if matches(m, lookup)]


def add_metadata(book: Workbook, meta: Meta, where: str) -> None:
    if meta.metadata_id in book.metadata:
        raise GridError(
            f"Invalid {where}: Developer metadata with ID {meta.metadata_id} already exists."
        )
    if meta.sheet_id is not None:
        tab = book.tab_by_id(meta.sheet_id, where)
        if meta.row is not None and not 0 <= meta.row < tab.row_count:
            raise GridError(f"Invalid {where}: the row {meta.row} is outside the grid")
    book.metadata[meta.metadata_id] = meta


def search(book: Workbook, filters: Iterable[Any]) -> list[dict[str, Any]]:
    """`developerMetadata:search`: each selected entry once, with the filters that matched it."""
    found: dict[int, list[Any]] = {}
    for index, data_filter in enumerate(filters):
        for meta in select(book, data_filter, f"dataFilters[{index}]"):
            found.setdefault(meta.metadata_id, []).append(data_filter)
    return [
        {"developerMetadata": book.metadata[mid].resource(), "dataFilters": matched}
        for mid, matched in sorted(found.items())
    ]
