"""What a widget sends to the terminal, and the check that none of it can act.

Hostile values must reach the screen as inert text: the TUI tests render a widget's lines to
Rich segments and check no control character, link or click action rides along.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment


def segments_of(widget: Any, lines: int) -> list[Segment]:
    out: list[Segment] = []
    for y in range(lines):
        out += list(widget.render_line(y))
    return out


def assert_inert(segments: list[Segment]) -> None:
    """No escape or control character reaches the terminal; no link or click action rides along."""
    for segment in segments:
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in segment.text), segment
        style = segment.style
        if style is not None:
            assert not style.link
            assert "@click" not in repr(style.meta)
