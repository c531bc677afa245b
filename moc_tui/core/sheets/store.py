"""The narrow interface every sheet store offers, shaped by what the app needs.

Rows and columns are 1-based sheet numbers (row 1 is the header row). Values are strings and are
always stored as typed text: nothing a person wrote in a form is ever parsed as a formula. Each
method costs one request against Google, except `move_rows`, which re-reads the rows it is about to
move (one read) and then moves them in one atomic write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

Row = list[str]


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

    def move_rows(
        self,
        source: str,
        target: str,
        rows: Sequence[int],
        expected: Sequence[Sequence[str]],
    ) -> None:
        """Append `rows` of `source` to `target` and delete them from `source`, atomically.

        `expected[i]` is what the caller read at `rows[i]`; if any row now differs, raise
        `RowsChanged` and change nothing.
        """
        ...
