"""A1 notation, written by the Google store and read by the grid (so the fake parses what we send).

Only what Sheets v4 ranges need here: `'Tab'`, `'Tab'!F2`, `'Tab'!A1:C3`, `'Tab'!5:5`,
`'Tab'!A:C`, `'Tab'!A2:C`. Titles are always quoted on the way out, with `'` doubled, so a tab
named like a cell (`A1`) or holding `!` or `'` is never misread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENDPOINT = re.compile(r"([A-Za-z]{0,3})([0-9]{0,7})")


class A1Error(ValueError):
    """A range that cannot be parsed; Google answers these with 400 "Unable to parse range"."""


@dataclass(frozen=True)
class A1Range:
    """A parsed range: 1-based, inclusive; `None` means open-ended (to the edge of the grid)."""

    title: str | None
    first_row: int | None = None
    first_col: int | None = None
    last_row: int | None = None
    last_col: int | None = None


def column_letters(col: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    if col < 1:
        raise ValueError(f"column numbers start at 1, not {col}")
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """A -> 1, Z -> 26, AA -> 27 (case-insensitive)."""
    number = 0
    for char in letters.upper():
        number = number * 26 + (ord(char) - ord("A") + 1)
    return number


def quote_title(title: str) -> str:
    """`Form Responses 1` -> `'Form Responses 1'`; an inner `'` is doubled."""
    return "'" + title.replace("'", "''") + "'"


def cell_name(row: int, col: int) -> str:
    """`C5` for row 5, column 3."""
    return f"{column_letters(col)}{row}"


def cell_range(title: str, row: int, col: int) -> str:
    """`'Tab'!C5` for one cell."""
    return f"{quote_title(title)}!{cell_name(row, col)}"


def row_range(title: str, row: int) -> str:
    """`'Tab'!5:5`: the whole of one row."""
    return f"{quote_title(title)}!{row}:{row}"


def format_range(title: str, first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """`'Tab'!A1:C3`, the shape Google uses in replies."""
    first, last = cell_name(first_row, first_col), cell_name(last_row, last_col)
    return f"{quote_title(title)}!{first}" + ("" if first == last else f":{last}")


def _split_title(text: str) -> tuple[str | None, str]:
    """Separate `'Tab'!cells` into the title and the cell part (either may be missing)."""
    if text.startswith("'"):
        title, i = [], 1
        while i < len(text):
            if text[i] == "'":
                if text[i + 1 : i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest and not rest.startswith("!"):
                    raise A1Error(f"Unable to parse range: {text}")
                return "".join(title), rest[1:]
            title.append(text[i])
            i += 1
        raise A1Error(f"Unable to parse range: {text}")
    if "!" in text:
        title_text, cells = text.rsplit("!", 1)
        return title_text, cells
    return None, text


def _endpoint(text: str, whole: str) -> tuple[int | None, int | None]:
    match = _ENDPOINT.fullmatch(text)
    if not match or not text:
        raise A1Error(f"Unable to parse range: {whole}")
    letters, digits = match.groups()
    row = int(digits) if digits else None
    if row == 0:
        raise A1Error(f"Unable to parse range: {whole}")
    return row, (column_number(letters) if letters else None)


def parse_range(text: str) -> A1Range:
    """Parse a range as Sheets accepts it; a bare name without `!` is a title, not cells.

    `None` parts are open: `'T'!A:C` leaves rows open, `'T'!2:5` leaves columns open.
    """
    if not text:
        raise A1Error("Unable to parse range: (empty)")
    title, cells = _split_title(text)
    if title is None:
        return A1Range(title=cells)
    if not cells:
        return A1Range(title=title)
    first_text, _, last_text = cells.partition(":")
    first_row, first_col = _endpoint(first_text, text)
    if not last_text:
        if first_row is None or first_col is None:
            raise A1Error(f"Unable to parse range: {text}")
        return A1Range(title, first_row, first_col, first_row, first_col)
    last_row, last_col = _endpoint(last_text, text)
    if (first_col is None) != (last_col is None) and first_row is None:
        raise A1Error(f"Unable to parse range: {text}")
    return A1Range(title, first_row, first_col, last_row, last_col)
