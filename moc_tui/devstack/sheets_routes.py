"""The Sheets v4 operations of the local fake, on one spreadsheet's `Workbook` (no HTTP here).

Each function takes the parsed query and JSON body and returns the reply body, or raises
`GridError` (answered as Google's error JSON). Values are stored as text. What Google would have
parsed or evaluated (any input option but RAW, which Google parses like typing into the UI;
`formulaValue`, numbers, booleans) is stored as its text too, but `CellWrite.kind` says how it came
(the option's name, `RAW-typed`, `formulaValue`, ...), so tests can flag it. Only `RAW` and
`stringValue` writes are plain text. The option's name is not spelled out here on purpose: product
code must not contain it, and the fake does not need to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moc_tui.core.sheets import grid_apply
from moc_tui.core.sheets.grid import CellWrite, GridError, Row, Workbook, check_value

Query = Mapping[str, Sequence[str]]
TEXT_KINDS = frozenset({"RAW", "stringValue"})
"""How cells are written when Google stores them as the literal text sent."""


@dataclass
class Spreadsheet:
    """One fake spreadsheet: its tabs, who may use it (None: any account), what was written."""

    key: str
    title: str
    book: Workbook
    editors: frozenset[str] | None = None
    writes: list[CellWrite] = field(default_factory=list)


def metadata(sheet: Spreadsheet) -> dict[str, Any]:
    """`GET /v4/spreadsheets/{id}` (grid data is never included)."""
    return {
        "spreadsheetId": sheet.key,
        "properties": {
            "title": sheet.title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "America/New_York",
        },
        "sheets": [
            {
                "properties": {
                    "sheetId": tab.sheet_id,
                    "title": tab.title,
                    "index": index,
                    "sheetType": "GRID",
                    "gridProperties": {"rowCount": tab.row_count, "columnCount": tab.col_count},
                }
            }
            for index, tab in enumerate(sheet.book.tabs)
        ],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{sheet.key}/edit",
    }


def _one(query: Query, name: str, default: str | None = None) -> str | None:
    values = query.get(name)
    return values[-1] if values else default


def _rows_only(query: Query) -> None:
    if _one(query, "majorDimension", "ROWS") != "ROWS":
        raise GridError("majorDimension COLUMNS is not supported by the fake")


def _value_range(book: Workbook, text: str) -> dict[str, Any]:
    echoed, rows = book.read(text)
    reply: dict[str, Any] = {"range": echoed, "majorDimension": "ROWS"}
    if rows:
        reply["values"] = rows
    return reply


def values_get(sheet: Spreadsheet, text: str, query: Query) -> dict[str, Any]:
    """`GET .../values/{range}`; every render option gives the stored text."""
    _rows_only(query)
    return _value_range(sheet.book, text)


def values_batch_get(sheet: Spreadsheet, query: Query) -> dict[str, Any]:
    """`GET .../values:batchGet?ranges=...`."""
    _rows_only(query)
    ranges = query.get("ranges") or []
    if not ranges:
        raise GridError("at least one range is required")
    return {
        "spreadsheetId": sheet.key,
        "valueRanges": [_value_range(sheet.book, text) for text in ranges],
    }


def input_option(option: object) -> str:
    """The value input option; required, as in Google (any name but RAW counts as parsing)."""
    if not option or not isinstance(option, str):
        raise GridError("'valueInputOption' is required but not specified")
    return option


def _text(value: object) -> str:
    """A JSON value as the text the cell would show (numbers and booleans as Sheets prints them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | str):
        return check_value(value if isinstance(value, str) else format(value, "g"))
    raise GridError(f"Invalid values: {value!r:.60} is not a string, number or boolean")


def _grid_values(body: Any) -> list[Row]:
    if not isinstance(body, Mapping):
        raise GridError("Invalid JSON payload: expected an object")
    if body.get("majorDimension") not in (None, "ROWS"):
        raise GridError("majorDimension COLUMNS is not supported by the fake")
    values = body.get("values") or []
    if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
        raise GridError("Invalid values: expected a list of rows")
    return [[_text(v) for v in row] for row in values]


def _kind(option: str, values: list[Row], raw: Any) -> str:
    """How the values were given: RAW text, or something Google would have parsed."""
    if option != "RAW":
        return option
    typed = any(not isinstance(v, str) for row in raw.get("values") or [] for v in row)
    return "RAW-typed" if typed else "RAW"


def values_update(sheet: Spreadsheet, text: str, query: Query, body: Any) -> dict[str, Any]:
    """`PUT .../values/{range}?valueInputOption=...`."""
    option = input_option(_one(query, "valueInputOption"))
    values = _grid_values(body)
    (reply,) = sheet.book.batch_write([(text, values)], _kind(option, values, body), sheet.writes)
    return {"spreadsheetId": sheet.key, **reply}


def values_batch_update(sheet: Spreadsheet, body: Any) -> dict[str, Any]:
    """`POST .../values:batchUpdate` with `valueInputOption` and `data` in the body (atomic)."""
    if not isinstance(body, Mapping):
        raise GridError("Invalid JSON payload: expected an object")
    option = input_option(body.get("valueInputOption"))
    data = body.get("data") or []
    if not isinstance(data, list) or not data:
        raise GridError("Invalid data: at least one range is required")
    writes = []
    for entry in data:
        values = _grid_values(entry)
        writes.append((str(entry.get("range", "")), values, _kind(option, values, entry)))
    kinds = {kind for _, _, kind in writes}
    kind = "RAW" if kinds == {"RAW"} else next(k for k in kinds if k != "RAW")
    replies = sheet.book.batch_write([(r, v) for r, v, _ in writes], kind, sheet.writes)
    return {
        "spreadsheetId": sheet.key,
        "totalUpdatedCells": sum(r["updatedCells"] for r in replies),
        "responses": [{"spreadsheetId": sheet.key, **r} for r in replies],
    }


def values_append(sheet: Spreadsheet, text: str, query: Query, body: Any) -> dict[str, Any]:
    """`POST .../values/{range}:append` (table detection is approximate, see `Workbook.append`)."""
    option = input_option(_one(query, "valueInputOption"))
    insert = _one(query, "insertDataOption", "OVERWRITE")
    if insert not in ("OVERWRITE", "INSERT_ROWS"):
        raise GridError(f"Invalid value at 'insert_data_option' ({insert!r})")
    values = _grid_values(body)
    reply = sheet.book.append(
        text,
        values,
        insert_rows=insert == "INSERT_ROWS",
        kind=_kind(option, values, body),
        notes=sheet.writes,
    )
    return {"spreadsheetId": sheet.key, **reply}


def decode_any_cell(cell: Mapping[str, Any]) -> tuple[str, str]:
    """A `CellData` as text plus how it was given (`stringValue`, `formulaValue`, ...)."""
    entered = cell.get("userEnteredValue")
    if entered is None:
        return "", "blank"
    if not isinstance(entered, Mapping) or len(entered) != 1:
        raise GridError("Invalid userEnteredValue: exactly one kind of value expected")
    ((kind, value),) = entered.items()
    if kind not in ("stringValue", "numberValue", "boolValue", "formulaValue"):
        raise GridError(f"Invalid userEnteredValue: {kind!r} is not supported by the fake")
    return _text(value), kind


def batch_update(sheet: Spreadsheet, body: Any) -> dict[str, Any]:
    """`POST /v4/spreadsheets/{id}:batchUpdate`: all sub-requests or none."""
    if not isinstance(body, Mapping) or not isinstance(body.get("requests"), list):
        raise GridError("Invalid JSON payload: 'requests' must be a list")
    if not body["requests"]:
        raise GridError("Must specify at least one request.")
    replies = grid_apply.apply_batch(sheet.book, body["requests"], decode_any_cell, sheet.writes)
    return {"spreadsheetId": sheet.key, "replies": replies}


def developer_metadata_search(sheet: Spreadsheet, body: Any) -> dict[str, Any]:
    """`POST /v4/spreadsheets/{id}/developerMetadata:search` (Google's reference:
    spreadsheets.developerMetadata/search): every entry any of `dataFilters` selects, once, with
    its current location and the filters that matched it. The fake takes
    `developerMetadataLookup` filters only (not a1Range / gridRange)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("dataFilters"), list):
        raise GridError("Invalid JSON payload: 'dataFilters' must be a list")
    return {"matchedDeveloperMetadata": grid_apply.search(sheet.book, body["dataFilters"])}
