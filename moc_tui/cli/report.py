"""What the batch commands print: progress lines on stderr and the closing summary table.

Every value from the sheet goes through `visible()`: a name can hold escape sequences, and this
output lands on an operator's terminal or in a cron mail.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Protocol

from moc_tui.core.step_names import step_label
from moc_tui.core.text import visible
from moc_tui.core.workflow.events import (
    Event,
    RowCancelled,
    RowFailed,
    RowsMoved,
    RowStarted,
    RowWarning,
)

Line = tuple[str, str, str, str]


def summary_table(header: Line, rows: Sequence[Line]) -> str:
    """Columns padded to their widest cell, the last one (the reason) left free."""
    ordered = sorted(rows, key=lambda r: int(r[0]) if r[0].isdigit() else 0)
    widths = [max(len(r[i]) for r in [header, *ordered]) for i in range(3)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in [header, *ordered]
    ]
    return "\n".join(line.rstrip() for line in lines)


def print_event(event: Event) -> None:
    """One progress line per row started, warned about, failed; and the final move."""
    if isinstance(event, RowStarted):
        print(f"row {event.row}: {visible(event.email, 60)}", file=sys.stderr)
    elif isinstance(event, RowWarning):
        print(f"row {event.row}: note: {visible(event.message, 300)}", file=sys.stderr)
    elif isinstance(event, RowFailed):
        message = visible(event.message, 300)
        print(f"row {event.row}: {step_label(event.step)} failed: {message}", file=sys.stderr)
    elif isinstance(event, RowCancelled):
        where = f"before {step_label(event.step)}" if event.step else "before it started"
        print(f"row {event.row}: cancelled {where}; a rerun resumes it", file=sys.stderr)
    elif isinstance(event, RowsMoved):
        print(f"moved rows {', '.join(map(str, event.rows))} to {event.target!r}", file=sys.stderr)


class Plan(Protocol):
    """What a dry run prints of a plan (access and quota plans both have it)."""

    @property
    def row(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    def lines(self) -> list[str]: ...


def print_plans(plans: Sequence[Plan]) -> int:
    """A dry run's plans, a line per action; 1 when any row would be refused."""
    for planned in plans:
        print(f"row {planned.row} ({visible(planned.email, 60)}):")
        for line in planned.lines():
            print(f"  - {visible(line, 300)}")
    return 0 if all(p.ok for p in plans) else 1
