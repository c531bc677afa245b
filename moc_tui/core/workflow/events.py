"""Progress of a run (provisioning, quota changes, a password reset), one small event per thing
that happened.

The CLI prints them, the backend streams them to the TUI as JSON lines. They carry no secret:
no password, PIN, token or link. `row` is the sheet row; a password reset, which has no row,
uses 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RowStarted:
    row: int
    email: str
    request_key: str


@dataclass(frozen=True)
class StepStarted:
    """`step` begins (nothing journaled yet), so a screen can name the step in hand."""

    row: int
    step: str


@dataclass(frozen=True)
class StepDone:
    row: int
    step: str
    detail: dict[str, Any] = field(default_factory=dict)
    resumed: bool = False


@dataclass(frozen=True)
class RowWarning:
    row: int
    message: str


@dataclass(frozen=True)
class RowDone:
    row: int


@dataclass(frozen=True)
class RowFailed:
    row: int
    step: str
    message: str


@dataclass(frozen=True)
class RowCancelled:
    """The operator stopped the run before `step` ("" before the first): the row stays pending
    with the steps already done journaled, and a rerun resumes at `step`."""

    row: int
    step: str


@dataclass(frozen=True)
class RowsMoved:
    rows: tuple[int, ...]
    target: str


Event = (
    RowStarted
    | StepStarted
    | StepDone
    | RowWarning
    | RowDone
    | RowFailed
    | RowCancelled
    | RowsMoved
)
