"""The narrow interface every sheet store offers, shaped by what the app needs.

Rows and columns are 1-based sheet numbers (row 1 is the header row). Values are strings and are
always stored as typed text: nothing a person wrote in a form is ever parsed as a formula. Each
plain method costs one request against Google.

Writes to a request's row (`update_rows`, `move_rows`) find the row by what travels with it, not
by its number: the caller names each row by a `RowRef` (where it read it, the request's key, what
it read). The first such write tags the row with developer metadata holding the key (after
checking that the row still holds what the caller read); every later write follows the tag
wherever the row went, and is applied in one atomic batch that fails if the row is no longer
where it was just found. A moved row leaves its key on the done tab, so moving it again is a
no-op. See `rowids` for the rules and `docs/sheets.md` for the guarantees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

Row = list[str]


@dataclass(frozen=True)
class RowRef:
    """A request's row as the caller read it: `row` (1-based), its stable `key`, its `cells`."""

    row: int
    key: str
    cells: Sequence[str]


class SheetError(Exception):
    """Base of every sheet store failure; the message is meant for an operator."""


class TabNotFound(SheetError):
    """A tab named in the request does not exist in the spreadsheet."""

    def __init__(self, tab: str) -> None:
        super().__init__(f"the sheet has no tab named {tab!r}")
        self.tab = tab


class RowsChanged(SheetError):
    """Rows about to be moved no longer hold what the caller read; nothing was changed."""

    def __init__(self, tab: str, rows: Sequence[int]) -> None:
        listed = ", ".join(str(r) for r in rows)
        super().__init__(
            f"row(s) {listed} of {tab!r} changed since they were read (someone edited or sorted "
            "the tab); nothing was moved, reload and try again"
        )
        self.tab = tab
        self.rows = list(rows)


class RowMissing(SheetError):
    """A request's row is not in the tab any more (deleted, or moved to the done tab)."""


class SheetUnavailable(SheetError):
    """The sheet service kept failing (rate limits, server errors, timeouts) past the retries."""


class SheetStore(Protocol):
    """What the app may do to a spreadsheet; both stores implement exactly this."""

    def read_tabs(self, tabs: Sequence[str]) -> dict[str, list[Row]]:
        """Every row of each tab (header included), trailing blank cells and rows trimmed."""
        ...

    def write_cells(self, tab: str, cells: Mapping[tuple[int, int], str]) -> None:
        """Set cells `(row, column) -> value` as plain text, all in one write."""
        ...

    def append_rows(self, tab: str, rows: Sequence[Sequence[str]]) -> None:
        """Add rows after the last row that holds data."""
        ...

    def delete_rows(self, tab: str, rows: Sequence[int]) -> None:
        """Delete the given rows; rows below move up."""
        ...

    def update_rows(
        self, tab: str, updates: Sequence[tuple[RowRef, Mapping[int, str]]]
    ) -> list[int]:
        """Set cells `{column: value}` of each request's row, wherever the row is now.

        A row that cannot be found (deleted, moved away, or untagged and changed since it was
        read) is not written; the others are, in one atomic write. Returns the `RowRef.row`s
        that were not written.
        """
        ...

    def move_rows(
        self,
        source: str,
        target: str,
        rows: Sequence[int],
        expected: Sequence[Sequence[str]],
        keys: Sequence[str] | None = None,
    ) -> None:
        """Append the rows to `target` and delete them from `source`, atomically, once.

        `expected[i]` is what the caller read at `rows[i]`, `keys[i]` the request's key (default:
        derived from `expected[i]`). A row is found by its tag, else at `rows[i]` or, if moved,
        as the one row holding `expected[i]`; a row already moved (its key is on `target`) is
        skipped. If a row cannot be found, raise `RowsChanged` and change nothing.
        """
        ...
