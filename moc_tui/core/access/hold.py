"""Hold and deny: a request the helpdesk cannot fix from the TUI waits, with a reason, until an
operator releases it.

The mark lives in the sheet, in the note column (`[access_columns] helpdesk_note`, default
header `Helpdesk Note`), as the cell text `held: REASON` or `denied: REASON`; releasing clears
the cell. Who did it and when goes to the audit trail. The column is optional: a tab without it
has no holds, and only a hold or a release refuses, naming the setting. Any other text in the
cell is a plain note and holds nothing. A held or denied row is not pending work: it carries a
problem (so no run, `--all` included, provisions it, and the plan says why) and the TUI counts it
apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from moc_tui.core.access.problems import written_value_problems
from moc_tui.core.text import trim

NOTE_FIELD = "helpdesk_note"  # its `[access_columns]` key (`core.settings.columns`)
DEFAULT_NOTE_HEADER = "Helpdesk Note"
REASON_MAX = 200


class HoldKind(StrEnum):
    HELD = "held"
    DENIED = "denied"


@dataclass(frozen=True)
class Hold:
    kind: HoldKind
    reason: str

    @property
    def note(self) -> str:
        """The cell text written to the sheet."""
        return f"{self.kind.value}: {self.reason}"

    @property
    def problem(self) -> str:
        """Why a run skips the row (the plan and `provision --all` say it)."""
        return f"{self.kind.value} by the helpdesk: {self.reason}; an operator releases it (u)"


def parse_note(text: str) -> Hold | None:
    """The hold a note cell holds, or None for an empty cell or a plain note."""
    kind, colon, reason = trim(text).partition(":")
    word = trim(kind).casefold()
    if not colon or word not in {k.value for k in HoldKind}:
        return None
    return Hold(HoldKind(word), trim(reason))


def reason_problems(reason: str) -> list[str]:
    """What is wrong with a reason the operator typed: empty, too long, or what no edit may
    write into a cell (hidden characters; `written_value_problems`)."""
    if not trim(reason):
        return ["say why: the reason is what the next operator reads"]
    hidden = written_value_problems(reason)
    if hidden:
        return hidden
    if len(trim(reason)) > REASON_MAX:
        return [f"the reason is at most {REASON_MAX} characters"]
    return []


def note_column(header: Sequence[str], note_header: str) -> int | None:
    """The note column's index in `header` (trimmed, any case, the first one), if any."""
    wanted = trim(note_header).casefold()
    for index, text in enumerate(header):
        if trim(text).casefold() == wanted:
            return index
    return None


def missing_note_column(tab: str, note_header: str) -> str:
    return (
        f"tab {tab!r} has no column headed {note_header!r} for holds; add that column to the "
        f"sheet or set [access_columns] {NOTE_FIELD} = <header>"
    )
