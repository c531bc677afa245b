"""Sorting a list by any of its columns (pure, no Textual): htop's F6 / k9s's Shift+column.

`s` moves the sort to the next column (after the last one, back to the sheet's order), `S`
reverses it. Values compare as the operator reads them: case-insensitive, and numbers inside a
value by their value (`row 9` before `row 10`, `lab2` before `lab10`). Equal values keep the
sheet's order (the sort is stable), also when reversed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

SHEET_ORDER = ""  # no sort column: the rows as the sheet has them
ASCENDING, DESCENDING = "▲", "▼"
_NUMBER = re.compile(r"(\d+)")
T = TypeVar("T")


def natural_key(value: str) -> tuple[tuple[int, int | str], ...]:
    """`lab10` after `lab2`; text case-insensitive; a number sorts before text at one place."""
    parts = _NUMBER.split(value.casefold())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def next_column(columns: Sequence[str], current: str) -> str:
    """The column after `current`; after the last (or an unknown one), the sheet's order."""
    if current == SHEET_ORDER:
        return columns[0] if columns else SHEET_ORDER
    if current not in columns:
        return SHEET_ORDER
    index = columns.index(current) + 1
    return columns[index] if index < len(columns) else SHEET_ORDER


def sorted_by(items: Sequence[T], value: Callable[[T], str], reverse: bool = False) -> list[T]:
    """`items` by `value` (natural order), stable; reversed, equal values keep their order."""
    keyed = [(natural_key(value(item)), n, item) for n, item in enumerate(items)]
    keyed.sort(key=lambda entry: entry[0], reverse=reverse)
    return [item for _, _, item in keyed]
