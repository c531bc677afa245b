"""Finding a request's row by what travels with it, and writing to it only if it is still there.

Sheets v4 has no compare-and-set, so every write to a request's row is built to fail, atomically,
when the row is not where it was just found:

- **Tags.** A row is tagged with row-located developer metadata: key `metadata.ROW_KEY`, value
  the request's key, id `metadata.id_for(key)`. The tag moves with the row on inserts, deletes
  and sorts, and vanishes with the row. A row is tagged only where its content equals what the
  caller read, and a tag whose row content no longer matches is never trusted for an untagged
  rule (the write is refused instead).
- **Position check** (`_at`): `deleteDeveloperMetadata` of the tag *exactly at* the row found,
  then `createDeveloperMetadata` with the same explicit id. If the tag moved in the meantime the
  delete selects nothing and the create fails on the existing id, and the whole batch with it.
- **Row-count floor** (`floor_guard`): insert one row at the tab's row count as just read and
  delete it again. If any row of the tab was deleted since (which is how a tagged row vanishes),
  the insert lies beyond the grid and the batch fails. So a write never lands on the row that
  slid into a deleted row's place.
- **Done marker.** A move re-creates the id as metadata on the done tab (not on a row), in the
  batch that appends and deletes, its value the key and the time. A late, retried or concurrent
  copy of the same move then fails on the existing id (and on the floor guard, since the move
  deleted rows): nothing is appended twice and nothing else is deleted. Markers older than
  `MARKER_DAYS` are deleted by later moves (no retry or stale copy lives that long), so they
  never pile up against Google's limits on metadata per sheet.

What is left: content a person types into a row in the moment between the read and the write
may be overwritten by that write (as with any editor). Both stores use this module: the Google
store over HTTP, the local store inside one SQLite transaction.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from moc_tui.core.sheets import batch, metadata
from moc_tui.core.sheets.grid import trim_row
from moc_tui.core.sheets.metadata import Meta
from moc_tui.core.sheets.store import RowRef, SheetError

Request = dict[str, Any]
MARKER_DAYS = 2
now = time.time  # the markers' clock (a module attribute so tests can move it)
ALL_MARKERS = {
    "developerMetadataLookup": {"metadataKey": metadata.ROW_KEY, "locationType": "SHEET"}
}
"""A search filter that also returns every done marker (to find the stale ones)."""


def marker_key(meta: Meta) -> str:
    """The request key of a done marker (`key time`)."""
    return meta.value.rsplit(" ", 1)[0]


def stale_markers(metas: Mapping[int, Meta], done_sheet_id: int, now: float) -> list[int]:
    """Ids of done markers on the done tab older than `MARKER_DAYS`."""
    oldest = now - MARKER_DAYS * 86_400
    stale = []
    for meta in metas.values():
        if meta.sheet_id != done_sheet_id or meta.row is not None:
            continue
        stamp = meta.value.rsplit(" ", 1)[-1]
        if stamp.isdigit() and int(stamp) < oldest:
            stale.append(meta.metadata_id)
    return sorted(stale)


def default_key(cells: Sequence[str]) -> str:
    """A key for callers that have none: the row's content (trimmed)."""
    return "row:" + "\x1f".join(trim_row(cells))


def row_refs(
    rows: Sequence[int], expected: Sequence[Sequence[str]], keys: Sequence[str] | None
) -> list[RowRef]:
    """`move_rows` arguments as refs; mistakes are refused before anything is read or sent."""
    batch.check_move(rows, expected)
    if keys is None:
        keys = [default_key(e) for e in expected]
    if len(keys) != len(rows) or len(set(keys)) != len(keys):
        raise ValueError("move_rows needs one distinct key per row")
    return [RowRef(r, k, list(e)) for r, k, e in zip(rows, keys, expected, strict=True)]


def update_refs(updates: Sequence[tuple[RowRef, Mapping[int, str]]]) -> list[RowRef]:
    """The refs of `update_rows`; each request may appear once."""
    refs = [ref for ref, _ in updates]
    if len({r.key for r in refs}) != len(refs):
        raise ValueError("update_rows needs one distinct key per row")
    return refs


@dataclass
class Placement:
    """Where each request's row is now (0-based index), and which rows could not be placed."""

    tagged: dict[str, int] = field(default_factory=dict)
    untagged: dict[str, int] = field(default_factory=dict)
    moved: set[str] = field(default_factory=set)
    missing: list[RowRef] = field(default_factory=list)
    metas: Mapping[int, Meta] = field(default_factory=dict)  # everything the search returned


def place(
    refs: Sequence[RowRef],
    rows: Sequence[Sequence[str]],
    metas: Mapping[int, Meta],
    sheet_id: int,
    done_sheet_id: int | None = None,
) -> Placement:
    """Find each ref's row in `rows` (the tab as read) from its tag, else from its content."""
    found = Placement(metas=metas)
    claimed: set[int] = set()
    for ref in refs:
        meta = metas.get(metadata.id_for(ref.key))
        value = None if meta is None else (meta.value if meta.row is not None else marker_key(meta))
        if meta is not None and (meta.key != metadata.ROW_KEY or value != ref.key):
            raise SheetError(
                f"row {ref.row}: its identity tag {metadata.id_for(ref.key)} is taken by other "
                "metadata in this spreadsheet; move this row by hand"
            )
        if meta is not None and meta.sheet_id == sheet_id and meta.row is not None:
            found.tagged[ref.key] = meta.row
            claimed.add(meta.row)
        elif meta is not None and done_sheet_id is not None and meta.sheet_id == done_sheet_id:
            found.moved.add(ref.key)
        elif meta is not None:
            found.missing.append(ref)
    for ref in refs:
        if ref.key in found.tagged or ref.key in found.moved or ref in found.missing:
            continue
        # a row may carry another key's tag too (its Timestamp or email was edited): content,
        # equal to what the caller read, decides; the row then carries both tags
        index = _by_content(ref, rows, claimed)
        if index is None:
            found.missing.append(ref)
        else:
            found.untagged[ref.key] = index
            claimed.add(index)
    return found


def _by_content(ref: RowRef, rows: Sequence[Sequence[str]], taken: set[int]) -> int | None:
    """The row read at `ref.row` if it still holds `ref.cells`, else the one row that does."""
    wanted = trim_row(ref.cells)
    index = ref.row - 1
    if 0 < index < len(rows) and index not in taken and trim_row(rows[index]) == wanted:
        return index
    same = [i for i, r in enumerate(rows) if i > 0 and i not in taken and trim_row(r) == wanted]
    return same[0] if len(same) == 1 else None


def floor_guard(sheet_id: int, row_count: int) -> list[Request]:
    """A no-op that fails the batch if the tab now has fewer than `row_count` rows."""
    rng = {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": row_count}
    rng["endIndex"] = row_count + 1
    return [
        {"insertDimension": {"range": dict(rng), "inheritFromBefore": False}},
        {"deleteDimension": {"range": dict(rng)}},
    ]


def _at(key: str, sheet_id: int, index: int, then: Meta) -> list[Request]:
    """Fail unless the tag of `key` is exactly on row `index`; leave it as `then`."""
    mid = metadata.id_for(key)
    return [metadata.delete_at_row(mid, sheet_id, index), metadata.create(then)]


def _tag(key: str, sheet_id: int, index: int) -> Meta:
    return Meta(metadata.id_for(key), metadata.ROW_KEY, key, sheet_id, index)


def tag_batch(sheet_id: int, row_count: int, untagged: Mapping[str, int]) -> list[Request]:
    """Tag rows found by content; the floor guard keeps a deleted row from shifting them."""
    creates = [metadata.create(_tag(k, sheet_id, i)) for k, i in untagged.items()]
    return [*floor_guard(sheet_id, row_count), *creates]


def update_batch(
    sheet_id: int,
    row_count: int,
    placed: Mapping[str, int],
    changes: Mapping[str, Mapping[int, str]],
) -> list[Request]:
    """Position checks for every placed row, then its cells (`column` 1-based) as text."""
    requests = floor_guard(sheet_id, row_count)
    for key, index in placed.items():
        requests += _at(key, sheet_id, index, _tag(key, sheet_id, index))
    for key, index in placed.items():
        for column, value in sorted(changes[key].items()):
            if column < 1:
                raise ValueError(f"columns are 1-based, got {column}")
            requests.append(
                {
                    "updateCells": {
                        "start": {
                            "sheetId": sheet_id,
                            "rowIndex": index,
                            "columnIndex": column - 1,
                        },
                        "rows": [{"values": [batch.text_cell(value)]}],
                        "fields": "userEnteredValue",
                    }
                }
            )
    return requests


def move_batch(
    sheet_id: int,
    target_id: int,
    row_count: int,
    placed: Mapping[str, int],
    rows: Sequence[Sequence[str]],
    now: float,
    stale: Sequence[int] = (),
) -> list[Request]:
    """Check positions, leave done markers on the target, append the rows, delete them; and drop
    the `stale` markers."""
    requests = floor_guard(sheet_id, row_count)
    for key, index in placed.items():
        marker = Meta(metadata.id_for(key), metadata.ROW_KEY, f"{key} {int(now)}", target_id)
        requests += _at(key, sheet_id, index, marker)
    order = sorted(placed.values())
    requests.append(batch.append_cells(target_id, [rows[i] for i in order]))
    requests += batch.delete_rows(sheet_id, [i + 1 for i in order])
    requests += [{"deleteDeveloperMetadata": {"dataFilter": metadata.lookup_id(i)}} for i in stale]
    return requests
