"""The list filter's language (pure, no Textual): `a|b` keeps rows matching either term, and
`col:value` looks only in the column whose header is `col` (case-insensitive: `project:lab`,
`status:ready`, `row:4`). A term without a known column looks in every column the row shows;
matching is case-insensitive substring. Nothing looks at a field the operator cannot see.

`email:@bu.edu|project:lab` keeps the rows whose email contains `@bu.edu` or whose project
contains `lab`. A `:` after a word that is no column (`a:b`) is just text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

EITHER, IN_COLUMN = "|", ":"
EVERYWHERE = "\n"  # the key of the joined text of every shown column in a row's fields


@dataclass(frozen=True)
class Term:
    """One alternative: `needle` (casefolded) in `column` (a casefolded header), or anywhere."""

    needle: str
    column: str = ""


@dataclass(frozen=True)
class RowFilter:
    """A parsed filter; empty when the text has no term (every row is kept)."""

    terms: tuple[Term, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms)

    def keeps(self, fields: Mapping[str, str]) -> bool:
        """`fields`: casefolded header -> casefolded value, as `row_fields` builds them."""
        if not self.terms:
            return True
        for term in self.terms:
            value = fields.get(term.column or EVERYWHERE, "")
            if term.needle in value:
                return True
        return False


def parse(text: str, columns: Iterable[str]) -> RowFilter:
    """The filter in `text`; `columns` are the headers the operator sees (any case)."""
    known = {column.casefold() for column in columns}
    terms = []
    for part in text.split(EITHER):
        term = part.strip().casefold()
        if not term:
            continue
        column, colon, needle = term.partition(IN_COLUMN)
        if colon and column.strip() in known:
            terms.append(Term(needle.strip(), column.strip()))
        else:
            terms.append(Term(term))
    return RowFilter(tuple(terms))


def row_fields(shown: Mapping[str, str], extra: Iterable[str] = ()) -> dict[str, str]:
    """What a filter searches in one row: each shown column by its header, and everything the
    row shows joined (`extra`: text under the table that belongs to the row, e.g. its problem)."""
    fields = {header.casefold(): value.casefold() for header, value in shown.items()}
    fields[EVERYWHERE] = "\n".join([*fields.values(), *(e.casefold() for e in extra)])
    return fields
