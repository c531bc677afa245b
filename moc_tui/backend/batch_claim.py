"""The rows a batch op may run: what the operator saw, locked, as read again under the locks.

One call carries every confirmed row. Each row is checked on its own: one that left the pending
list or changed since the operator saw it (its fingerprint differs) fails alone, with the reason
in the reply's `failed` list; one held by another session fails alone naming the holder. Only
when every row is held elsewhere is the whole call refused as `busy` (there is nothing to run),
which is what a one-row call has always answered. At most two reads whatever the number of rows:
one to find the requests and their lock keys (none when the plan's read still holds every row as
the operator saw it), one under the locks (`core.workflow.exclusive`), which decides.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from moc_tui.backend import views
from moc_tui.core.journal import Journal
from moc_tui.core.locks import Locks
from moc_tui.core.text import visible
from moc_tui.core.workflow.batch import BatchResult, SheetRow
from moc_tui.core.workflow.exclusive import claim
from moc_tui.protocol.events import ProgressEvent
from moc_tui.protocol.replies import BatchReply
from moc_tui.protocol.views import HELD, NOT_AS_SHOWN, FailureView
from moc_tui.protocol.wire import ProtocolError as Refused

Emit = Callable[[ProgressEvent], None]
CHANGED = "changed since it was shown (or rows moved); reload the list"
Tabs = Mapping[str, Sequence[Sequence[str]]]
R = TypeVar("R", bound=SheetRow)


@dataclass
class Claimed(Generic[R]):
    """The requests to run (locked, as re-read) and the rows that fail without running."""

    tabs: Tabs
    requests: list[R] = field(default_factory=list)
    failed: list[FailureView] = field(default_factory=list)


def batch_reply(claimed: Claimed[R], result: BatchResult[R]) -> BatchReply:
    """A batch op's reply: every row it was given in exactly one list (`done`, `failed` with
    the rows that never ran first, `cancelled`)."""
    return {
        "done": [r.row for r in result.done],
        "failed": [*claimed.failed, *(views.failure_view(f) for f in result.failed)],
        "cancelled": [r.row for r in result.cancelled],
    }


def _failure(row: int, email: str, step: str, message: str) -> FailureView:
    return {"row": row, "email": visible(email, views.SHORT), "step": step, "message": message}


def _as_shown(
    tab: str, rows: Sequence[tuple[int, str]], pending: Sequence[R]
) -> tuple[list[R], list[FailureView]]:
    """The requests at `rows` still holding what the operator saw, and a failure for each other."""
    by_row = {r.row: r for r in pending}
    seen: list[R] = []
    failed: list[FailureView] = []
    for row, fingerprint in rows:
        request = by_row.get(row)
        if request is None:
            why = f"row {row} is no longer a pending request (moved, edited or unapproved)"
            failed.append(_failure(row, "", NOT_AS_SHOWN, why + "; reload the list"))
        elif views.fingerprint(tab, row, request.cells) != fingerprint:
            why = f"row {row} {CHANGED}"
            failed.append(_failure(row, request.email, NOT_AS_SHOWN, why))
        else:
            seen.append(request)
    return seen, failed


@contextlib.contextmanager
def claim_rows(
    locks: Locks,
    journal: Journal,
    tab: str,
    rows: Sequence[tuple[int, str]],
    read: Callable[[], tuple[Tabs, Sequence[R]]],
    *,
    key_of: Callable[[R], str],
    lock_keys: Callable[[R], Sequence[str]],
    planned: Sequence[R] | None = None,
) -> Iterator[Claimed[R]]:
    """Hold the locks of every row still as the operator saw it, for the `with` block.

    `planned` is what this session read for the plan the operator just confirmed: when it
    holds every row as shown, it finds the lock keys without a read of its own (the read under
    the locks decides either way); when it does not, the tab is read as it is now.
    """
    seen, failed = _as_shown(tab, rows, planned) if planned is not None else ([], [])
    if planned is None or failed:
        _, pending = read()
        seen, failed = _as_shown(tab, rows, pending)
    shown = {key_of(r): r for r in seen}
    with claim(locks, journal, seen, key_of, lock_keys, read) as claimed:
        if claimed.busy and len(claimed.busy) == len(rows):  # nothing to run, nothing else to say
            request, busy = claimed.busy[0]
            raise Refused(
                "busy",
                f"row {request.row}: {busy}",
                row=request.row,
                holder=views.clean(busy.holder, views.SHORT),
            )
        result: Claimed[R] = Claimed(claimed.tabs, failed=failed)
        for request, busy in claimed.busy:
            failure = _failure(request.row, request.email, HELD, f"row {request.row}: {busy}")
            failure["holder"] = views.clean(busy.holder, views.SHORT)
            result.failed.append(failure)
        for request, why in claimed.gone:
            result.failed.append(_failure(request.row, request.email, NOT_AS_SHOWN, why))
        for request in claimed.requests:
            before = shown[key_of(request)]
            if (request.row, request.cells) != (before.row, before.cells):
                why = f"row {before.row} {CHANGED}"  # since the operator saw it, as far as we know
                result.failed.append(_failure(before.row, before.email, NOT_AS_SHOWN, why))
            else:
                result.requests.append(request)
        yield result
