"""Untrusted values as renderables: every string from the sheet becomes a literal `Text`.

The backend already escapes control, bidi and zero-width characters (`views.clean`); the TUI
does it again so a bug or a fake backend can never put markup or a terminal escape on screen.
"""

from __future__ import annotations

from rich.text import Text

from moc_tui.core.text import visible


def plain(value: object, limit: int = 200) -> str:
    """One visible line: hidden characters escaped, cut with an ellipsis at `limit`."""
    shown = visible(str(value) if value is not None else "")
    return shown if len(shown) <= limit else shown[: max(limit - 1, 0)] + "…"


def cell(value: object, limit: int = 60, style: str = "") -> Text:
    """A table cell or label from untrusted text: literal (never markup), one line."""
    return Text(plain(value, limit), style=style, no_wrap=True, overflow="ellipsis")


def block(value: object, limit: int = 2000) -> Text:
    """A longer literal text (plan lines, error messages) that may wrap."""
    return Text(plain(value, limit))
