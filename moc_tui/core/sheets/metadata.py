"""Developer metadata: the identity a row carries with it, as Sheets v4 defines it.

What the stores rely on, from Google's reference (`spreadsheets.developerMetadata`,
`DataFilter`, `spreadsheets/request`):

- metadata is attached to a location (the spreadsheet, a sheet, or one row) and *stays with that
  row* as rows are inserted or deleted around it; deleting the row deletes its metadata;
- `metadataId` is a spreadsheet-scoped unique positive id that the caller may choose when
  creating it, so `createDeveloperMetadata` with an id that exists fails, and with it the whole
  atomic `:batchUpdate`;
- a `developerMetadataLookup` selects metadata by id, key, value, location type and location;
  with `locationMatchingStrategy` EXACT_LOCATION only metadata on exactly that location matches;
- `developerMetadata:search` returns each matching entry with its current location.

The builders below are sent by the Google store; the handlers apply the same dicts to a
`Workbook` for the local Sheets fake (through `batch.apply_batch`), so both sides share one
definition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from moc_tui.core.sheets.grid import GridError, Workbook

ROW_KEY = "moc-tui.request"
"""Key of the metadata naming the request a row holds (on a row) or held (on the done tab)."""

Request = dict[str, Any]


@dataclass(frozen=True)
class Meta:
    """One developer metadata entry; `row` is a 0-based row index when it sits on a row."""

    metadata_id: int
    key: str
    value: str
    sheet_id: int | None = None  # None: the whole spreadsheet
    row: int | None = None
    visibility: str = "DOCUMENT"

    def location(self) -> dict[str, Any]:
        if self.sheet_id is None:
            return {"locationType": "SPREADSHEET", "spreadsheet": True}
        if self.row is None:
            return {"locationType": "SHEET", "sheetId": self.sheet_id}
        return {"locationType": "ROW", "dimensionRange": _row_range(self.sheet_id, self.row)}

    def resource(self) -> dict[str, Any]:
        return {
            "metadataId": self.metadata_id,
            "metadataKey": self.key,
            "metadataValue": self.value,
            "location": self.location(),
            "visibility": self.visibility,
        }


def id_for(key: str) -> int:
    """The metadata id a request key is known by: a positive 31-bit number derived from it."""
    digest = hashlib.sha256(f"{ROW_KEY}\0{key}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1) + 1


def _row_range(sheet_id: int, row: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": row, "endIndex": row + 1}


# -- builders ----------------------------------------------------------------------------------


def create(meta: Meta) -> Request:
    """`createDeveloperMetadata` with an explicit id: fails the batch if the id exists."""
    resource = meta.resource()
    resource["location"].pop("locationType")
    return {"createDeveloperMetadata": {"developerMetadata": resource}}


def lookup_id(metadata_id: int) -> dict[str, Any]:
    return {"developerMetadataLookup": {"metadataId": metadata_id}}


def delete_at_row(metadata_id: int, sheet_id: int, row: int) -> Request:
    """`deleteDeveloperMetadata` of `metadata_id` only if it sits exactly on `row` (0-based)."""
    lookup = {
        "metadataId": metadata_id,
        "metadataLocation": {"dimensionRange": _row_range(sheet_id, row)},
        "locationMatchingStrategy": "EXACT_LOCATION",
    }
    return {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}


def parse(resource: Mapping[str, Any]) -> Meta:
    """A `DeveloperMetadata` resource (from a search reply or a create request) as a `Meta`."""
    location = resource.get("location") or {}
    sheet_id: int | None = None
    row: int | None = None
    if "dimensionRange" in location:
        rng = location["dimensionRange"]
        start, end = rng.get("startIndex"), rng.get("endIndex")
        if rng.get("dimension") != "ROWS" or not isinstance(start, int) or end != start + 1:
            raise GridError("Invalid developerMetadata: the location must be one row (fake)")
        sheet_id, row = rng.get("sheetId"), start
    elif "sheetId" in location:
        sheet_id = location["sheetId"]
    elif location.get("spreadsheet") is not True:
        raise GridError("Invalid developerMetadata: a location is required")
    metadata_id = resource.get("metadataId")
    if not isinstance(metadata_id, int) or isinstance(metadata_id, bool) or metadata_id < 1:
        raise GridError("Invalid developerMetadata: metadataId must be positive (fake: required)")
    key = resource.get("metadataKey")
    if not isinstance(key, str) or not key:
        raise GridError("Invalid developerMetadata: Developer metadata must specify a key.")
    visibility = resource.get("visibility") or "DOCUMENT"
    return Meta(
        metadata_id, key, str(resource.get("metadataValue") or ""), sheet_id, row, visibility
    )


# -- the Workbook side (the fake) ----------------------------------------------------------------


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
            raise GridError("only locationMatchingStrategy EXACT_LOCATION is supported (fake)")
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


def add(book: Workbook, meta: Meta, where: str) -> None:
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
