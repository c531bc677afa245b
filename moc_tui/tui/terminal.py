"""The terminal's size: read from the terminal the TUI draws on, and clamped to what it lays out.

Textual's Linux driver asks `shutil.get_terminal_size()`, which looks at stdout only: with
`./scripts/demo | tee log` stdout is a pipe and the TUI drew at 80x24 inside a larger terminal.
The TUI writes to stderr and reads stdin, so those (then /dev/tty) say how large it is.

A terminal may claim any size: a 65535x65535 pty took the TUI past 2.5 GB in seconds, since
Textual lays out and keeps every cell of the screen. The TUI lays out at most `MAX_COLUMNS` x
`MAX_LINES` (docs/operator-guide.md); a larger terminal shows it in its top-left corner.
"""

from __future__ import annotations

import contextlib
import os
import sys

from textual.drivers.linux_driver import LinuxDriver

MAX_COLUMNS, MAX_LINES = 500, 200
DEFAULT = (80, 24)


def clamp(columns: int, lines: int) -> tuple[int, int]:
    """At least 1x1, at most `MAX_COLUMNS` x `MAX_LINES`."""
    return max(1, min(columns, MAX_COLUMNS)), max(1, min(lines, MAX_LINES))


def _tty_size() -> tuple[int, int] | None:
    for stream in (sys.__stderr__, sys.__stdin__, sys.__stdout__):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            if stream is not None and os.isatty(stream.fileno()):
                size = os.get_terminal_size(stream.fileno())
                return size.columns, size.lines
    with contextlib.suppress(OSError):
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
        try:
            size = os.get_terminal_size(fd)
            return size.columns, size.lines
        finally:
            os.close(fd)
    return None


def _env_size() -> tuple[int, int] | None:
    try:
        return int(os.environ["COLUMNS"]), int(os.environ["LINES"])
    except (KeyError, ValueError):
        return None


def terminal_size() -> tuple[int, int]:
    """The size of the terminal the TUI is on (COLUMNS/LINES only without one), clamped."""
    columns, lines = _tty_size() or _env_size() or DEFAULT
    return clamp(columns or DEFAULT[0], lines or DEFAULT[1])


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver, sized by `terminal_size()` at start and on every SIGWINCH."""

    def _get_terminal_size(self) -> tuple[int, int]:
        return terminal_size()
