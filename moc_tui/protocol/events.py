"""What a running op streams: one kind per thing that happened, each with its typed data.

On the wire an event is `{"id": ID, "event": KIND, "data": {...}}`; the client hands it on as one
`ProgressEvent`, the data with its `kind` added, so a reader narrows by `event["kind"]` and mypy
knows which fields that kind carries. No secret travels in an event (no password, PIN or link).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Literal, TypedDict, cast


class EventKind(StrEnum):
    ROW_STARTED = "row_started"
    STEP_STARTED = "step_started"
    STEP_DONE = "step_done"
    ROW_WARNING = "row_warning"
    ROW_DONE = "row_done"
    ROW_FAILED = "row_failed"
    ROW_CANCELLED = "row_cancelled"
    ROWS_MOVED = "rows_moved"


class RowStarted(TypedDict):
    kind: Literal[EventKind.ROW_STARTED]
    row: int
    email: str
    request_key: str


class StepStarted(TypedDict):
    kind: Literal[EventKind.STEP_STARTED]
    row: int
    step: str


class StepDone(TypedDict):
    kind: Literal[EventKind.STEP_DONE]
    row: int
    step: str
    detail: dict[str, Any]
    resumed: bool


class RowWarning(TypedDict):
    kind: Literal[EventKind.ROW_WARNING]
    row: int
    message: str


class RowDone(TypedDict):
    kind: Literal[EventKind.ROW_DONE]
    row: int


class RowFailed(TypedDict):
    kind: Literal[EventKind.ROW_FAILED]
    row: int
    step: str
    message: str


class RowCancelled(TypedDict):
    """Stopped before `step` ("" when the row was never started)."""

    kind: Literal[EventKind.ROW_CANCELLED]
    row: int
    step: str


class RowsMoved(TypedDict):
    kind: Literal[EventKind.ROWS_MOVED]
    rows: list[int]
    target: str


ProgressEvent = (
    RowStarted
    | StepStarted
    | StepDone
    | RowWarning
    | RowDone
    | RowFailed
    | RowCancelled
    | RowsMoved
)
EventCallback = Callable[[ProgressEvent], None]
TYPES: dict[EventKind, type[Any]] = {
    EventKind.ROW_STARTED: RowStarted,
    EventKind.STEP_STARTED: StepStarted,
    EventKind.STEP_DONE: StepDone,
    EventKind.ROW_WARNING: RowWarning,
    EventKind.ROW_DONE: RowDone,
    EventKind.ROW_FAILED: RowFailed,
    EventKind.ROW_CANCELLED: RowCancelled,
    EventKind.ROWS_MOVED: RowsMoved,
}
# the fields each kind carries besides `kind`: what `split` sends and `join` accepts
FIELDS: dict[EventKind, frozenset[str]] = {
    kind: frozenset(cls.__required_keys__) - {"kind"} for kind, cls in TYPES.items()
}


def split(event: ProgressEvent) -> tuple[EventKind, dict[str, Any]]:
    """(kind, data) for the wire: the event without its `kind`."""
    data: dict[str, Any] = {k: v for k, v in event.items() if k != "kind"}
    return event["kind"], data


def join(kind: str, data: Mapping[str, Any]) -> ProgressEvent | None:
    """The event a wire line carries, or None for a kind or a shape this side does not know."""
    try:
        known = EventKind(kind)
    except ValueError:
        return None
    if set(data) != FIELDS[known]:
        return None
    return cast(ProgressEvent, {"kind": known, **data})
