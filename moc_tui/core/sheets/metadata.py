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

The builders below are sent by the Google store; `grid_apply` applies the same dicts to a
`Workbook` for the embedded store and the Sheets fake, so every store shares one definition.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moc_tui.core.sheets.grid import GridError

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
            raise GridError("Invalid developerMetadata: the location must be one row")
        sheet_id, row = rng.get("sheetId"), start
    elif "sheetId" in location:
        sheet_id = location["sheetId"]
    elif location.get("spreadsheet") is not True:
        raise GridError("Invalid developerMetadata: a location is required")
    metadata_id = resource.get("metadataId")
    if not isinstance(metadata_id, int) or isinstance(metadata_id, bool) or metadata_id < 1:
        raise GridError("Invalid developerMetadata: metadataId must be a positive number")
    key = resource.get("metadataKey")
    if not isinstance(key, str) or not key:
        raise GridError("Invalid developerMetadata: Developer metadata must specify a key.")
    visibility = resource.get("visibility") or "DOCUMENT"
    return Meta(
        metadata_id, key, str(resource.get("metadataValue") or ""), sheet_id, row, visibility
    )
