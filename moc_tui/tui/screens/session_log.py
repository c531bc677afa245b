"""The session log (`L`, lazygit's command log): what this operator did since logging in.

The entries come from `tui/session_log.py` (the link records each changing op's outcome), oldest
first, with local times; the dialog scrolls and closes like the detail view, and re-reads the
log when it opens, so a run that just ended is in it.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from moc_tui.tui.screens.detail import DetailModal
from moc_tui.tui.session_log import SessionLog
from moc_tui.tui.text import block


class SessionLogModal(DetailModal):
    """Every change made in this session and how it ended; nothing yet says so."""

    HELP_NAME = "Session log"

    def __init__(self, log: SessionLog, operator: str) -> None:
        super().__init__(f"Session log of {operator}: what you did since logging in", ())
        self.session = log

    def body(self) -> Group:
        entries = self.session.entries()
        text = Text()
        if not entries:
            text.append("nothing yet: provisioning, edits, resets and acknowledgements show here")
        for entry in entries:
            line = block(entry.line(), 2000)
            if not entry.ok:
                line.stylize("bold")  # and marked ✗: it reads without colour too
            text.append_text(line)
            text.append("\n")
        return Group(text)
