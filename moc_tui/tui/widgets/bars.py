"""The header line (cloud, sheet, operator) and the counts line, built as `Text` from parts.

Values from the backend are untrusted: they are appended as plain spans, never formatted into
markup, and the header never sets the terminal title from data.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from moc_tui.protocol.replies import HelloReply, TabKey
from moc_tui.tui.text import plain


def header_text(
    info: HelloReply | None,
    sheet_key: TabKey,
    operator: str,
    title: str = "",
    sheet_label: str = "sheet",
) -> Text:
    """`title` (which list this is) first, then where the work goes and as whom; `info` is
    the `hello` reply (None before the greeting: `…` stands for what it will say)."""
    text = Text()
    if title:
        text.append(f" {title} ", style="bold reverse")
    for label, value in (
        ("cloud", "…" if info is None else info["cloud"]),
        (sheet_label, "…" if info is None else info[sheet_key]),
        ("operator", operator if info is None else info["operator"]),
    ):
        text.append(f" {label}: ", style="dim")
        text.append(plain(value or "—", 30), style="bold")
        text.append(" ")
    if info is not None and info["read_only"]:  # a viewer: the keys that change things hide
        text.append(" read-only ", style="bold reverse")
    return text


class HeaderBar(Static):
    """One line: which cloud the operator is about to change, from which sheet, as whom."""

    def show(
        self,
        info: HelloReply | None,
        sheet_key: TabKey,
        operator: str,
        title: str = "",
        sheet_label: str = "sheet",
    ) -> None:
        self.update(header_text(info, sheet_key, operator, title, sheet_label))


class StatusLine(Static):
    """The counts (always visible) or a short outcome; literal text only."""

    def say(self, message: str, style: str = "") -> None:
        self.update(Text(plain(message, 300), style=style))
