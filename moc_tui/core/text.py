"""Untrusted text from the public form: trimmed for use, escaped for display.

Everything a person typed into the form is data, never markup or terminal control. `visible()`
turns control, bidi and zero-width characters into `\\x1b`-style escapes so the operator sees
exactly what is in the cell and the terminal never receives an escape sequence.
"""

from __future__ import annotations

import unicodedata

# Unicode categories that must never reach a terminal or a single-line field as they are:
# control (Cc), format (Cf: bidi overrides, zero-width, BOM), surrogates (Cs), unassigned (Cn),
# private use (Co), line and paragraph separators (Zl, Zp).
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Cn", "Co", "Zl", "Zp"}
# Spaces other than the ASCII space that people paste from web pages (NBSP and friends).
_ODD_SPACES = {"\u00a0", "\u2007", "\u202f", "\u3000"}


def trim(value: str) -> str:
    """Strip ordinary and non-breaking spaces at both ends (the MOC form gets NBSP pasted in)."""
    if value and not value[0].isspace() and not value[-1].isspace():  # the odd spaces are spaces
        return value
    return value.strip().strip("".join(_ODD_SPACES)).strip()


def is_hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def hidden_characters(value: str) -> list[str]:
    """The distinct hidden characters in `value`, as escapes (`\\u202e`), in order of appearance."""
    if value.isprintable():  # see `visible`
        return []
    seen: dict[str, None] = {}
    for char in value:
        if is_hidden(char):
            seen.setdefault(_escape(char), None)
    return list(seen)


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(value: str, limit: int | None = None) -> str:
    """`value` with every hidden character shown as an escape; optionally cut to `limit` chars."""
    # Every hidden category is one `str.isprintable` rejects (it also rejects odd spaces, which
    # are not hidden): a printable string, nearly every cell, needs no per-character pass.
    shown = (
        value if value.isprintable() else "".join(_escape(c) if is_hidden(c) else c for c in value)
    )
    if limit is not None and len(shown) > limit:
        return f"{shown[:limit]}… (+{len(shown) - limit} characters)"
    return shown


def looks_like_formula(value: str) -> bool:
    """True when a spreadsheet would evaluate the text if it were typed in (=, +, -, @ first)."""
    stripped = value.lstrip(" \t\r\n")
    return bool(stripped) and stripped[0] in "=+-@"
