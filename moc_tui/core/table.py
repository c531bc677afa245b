"""A tab read once, with columns found by header name instead of position.

The original scripts used fixed column indexes, so one question added to the form shifted every
field. Here a field is found by its header text (trimmed, case-insensitive); a header that is not
there is one plain-words problem naming the setting that maps it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from moc_tui.core.text import trim


@dataclass(frozen=True)
class Table:
    """Rows of one tab: `rows` pairs each 1-based sheet row number with its cells, padded."""

    tab: str
    header: tuple[str, ...]
    columns: Mapping[str, int]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    missing: tuple[str, ...]

    def cell(self, cells: Sequence[str], field: str) -> str:
        """The cell of `field` in a row, exactly as stored ("" when the column is missing)."""
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return cells[index]


def read_table(
    tab: str, rows: Sequence[Sequence[str]], mapping: Mapping[str, str], settings_section: str
) -> Table:
    """Map `field -> header` onto the first row; data rows keep their sheet row numbers."""
    header = tuple(rows[0]) if rows else ()
    positions = {trim(text).casefold(): i for i, text in reversed(list(enumerate(header)))}
    columns: dict[str, int] = {}
    missing: list[str] = []
    for field, header_text in mapping.items():
        index = positions.get(trim(header_text).casefold())
        if index is None:
            missing.append(
                f"tab {tab!r} has no column headed {header_text!r} (field {field}); "
                f"rename the header or set [{settings_section}] {field} = <header>"
            )
        else:
            columns[field] = index
    width = len(header)
    data = tuple(
        (number, tuple(row) + ("",) * (width - len(row)))
        for number, row in enumerate(rows[1:], start=2)
        if any(trim(cell) for cell in row)
    )
    return Table(tab, header, columns, data, tuple(missing))
