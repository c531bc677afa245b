"""CSV into and out of one tab, through the `SheetStore` interface (so either store works).

Values are plain text both ways: nothing is evaluated, numbers stay as written.

Import rule: the CSV's first row is its header. Into an empty tab every row is appended, so the
header becomes row 1. Into a tab that holds data the CSV header must equal the tab's header row
(trailing blank cells ignored) and only the rows under it are appended; otherwise nothing is
written. Import costs one read and one append.

Bytes (security reference §7): a CSV file is read as UTF-8 with `surrogateescape`, so bytes that
are not valid UTF-8 (overlong forms, stray continuation bytes, Latin-1) are stored as the lone
surrogates U+DC80..U+DCFF instead of refusing the file, shown as visible escapes, and written back
as the same bytes by export (`BYTES_KEPT`). Other lone surrogates (which the Sheets API can return)
are written as their UTF-8-style three bytes. No byte sequence raises.

Formula safety (security reference W1): on export a value that starts with `=`, `+`, `-`, `@`, TAB,
CR or `'` gets a `'` in front, so a spreadsheet app opening the file shows text instead of running
a formula. Import removes exactly that prefix (a `'` followed by one of those characters), so
export then import gives back every value unchanged. `verbatim=True` turns both off.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Sequence
from typing import TextIO

from moc_tui.core.sheets.grid import trim_row
from moc_tui.core.sheets.store import Row, SheetError, SheetStore

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
BYTES_KEPT = "moc-tui-bytes"
"""The error handler to open CSV files with, both ways: see the module docstring."""


def _bytes_kept(error: UnicodeError) -> tuple[str | bytes, int]:
    if isinstance(error, UnicodeDecodeError):
        return codecs.lookup_error("surrogateescape")(error)
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = bytearray()
    for char in error.object[error.start : error.end]:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(code - 0xDC00)
        else:
            out += char.encode("utf-8", "surrogatepass")
    return bytes(out), error.end


codecs.register_error(BYTES_KEPT, _bytes_kept)


def undecodable(rows: Iterable[Sequence[str]]) -> int:
    """How many values hold bytes that were not valid UTF-8 (kept as U+DC80..U+DCFF)."""
    return sum(1 for r in rows for v in r if any("\udc80" <= c <= "\udcff" for c in v))


class CsvError(SheetError):
    """The CSV cannot be imported as it is; nothing was written."""


def protect(value: str) -> str:
    """`=1+1` -> `'=1+1`: text for spreadsheet apps; `unprotect` reverses it exactly."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def read_csv(stream: TextIO) -> list[Row]:
    """Rows of a CSV text stream (opened with `newline=""`); a malformed file is a `CsvError`."""
    try:
        return [list(row) for row in csv.reader(stream, strict=True)]
    except csv.Error as error:
        raise CsvError(f"not a valid CSV file: {error}") from None


def write_csv(rows: Iterable[Sequence[str]], stream: TextIO) -> None:
    csv.writer(stream).writerows(rows)


def import_rows(
    store: SheetStore, tab: str, rows: Sequence[Sequence[str]], *, verbatim: bool = False
) -> int:
    """Append a CSV's rows to `tab` by the rule above; return how many rows under the header were
    appended (the header itself, written into an empty tab, does not count)."""
    if not rows:
        raise CsvError("the CSV file is empty: there is not even a header row")
    values = [list(r) if verbatim else [unprotect(v) for v in r] for r in rows]
    current = store.read_tabs([tab])[tab]
    if current:
        if trim_row(values[0]) != trim_row(current[0]):
            raise CsvError(
                f"the CSV header does not match the header of {tab!r}: nothing imported "
                f"(tab: {', '.join(current[0])}; CSV: {', '.join(values[0])})"
            )
        values = values[1:]
        store.append_rows(tab, values)
        return len(values)
    store.append_rows(tab, values)
    return len(values) - 1


def export_rows(store: SheetStore, tab: str, *, verbatim: bool = False) -> list[Row]:
    """Every row of `tab`, padded to the widest row so the CSV is a rectangle."""
    rows = store.read_tabs([tab])[tab]
    width = max((len(r) for r in rows), default=0)
    return [[v if verbatim else protect(v) for v in r] + [""] * (width - len(r)) for r in rows]
