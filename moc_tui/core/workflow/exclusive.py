"""A batch run's claim on its requests: their locks, then the tab read again under them.

Every mutating run takes the same per-request locks (`moc_tui.core.locks`), so of two runs started
together on the same rows each row is worked on by one of them: the other is told who holds it,
or, when it gets the lock after the holder finished, no longer finds the row pending in the tab
it reads once more with the locks held (one read per run, whatever the number of rows).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from moc_tui.core.journal import Journal
from moc_tui.core.locks import Busy, Locks
from moc_tui.core.workflow.batch import SheetRow

R = TypeVar("R", bound=SheetRow)
Tabs = Mapping[str, Sequence[Sequence[str]]]


@dataclass
class Claim(Generic[R]):
    """What a run may do: `requests` (locked, as re-read); the rest and why not."""

    tabs: Tabs
    requests: list[R] = field(default_factory=list)
    busy: list[tuple[R, Busy]] = field(default_factory=list)  # held by another run
    gone: list[tuple[R, str]] = field(default_factory=list)  # not pending any more, and why


@contextlib.contextmanager
def claim(
    locks: Locks,
    journal: Journal,
    requests: Sequence[R],
    key_of: Callable[[R], str],
    lock_keys: Callable[[R], Sequence[str]],
    reread: Callable[[], tuple[Tabs, Sequence[R]]],
) -> Iterator[Claim[R]]:
    """Hold the locks of every request whose locks are free, for the `with` block.

    `lock_keys(request)` are all the keys the request needs (its own, its user's); a request
    with any of them held elsewhere is busy. `reread()` reads the tab again with the locks held;
    a request locked but no longer in it was finished by the holder it waited for, or changed.
    """
    wanted = {key: None for r in requests for key in lock_keys(r)}
    with locks.hold_free(wanted) as held_elsewhere:
        tabs, fresh = reread()
        result: Claim[R] = Claim(tabs)
        mine: set[str] = set()
        for request in requests:
            busy = [held_elsewhere[k] for k in lock_keys(request) if k in held_elsewhere]
            if busy:
                result.busy.append((request, busy[0]))
            else:
                mine.add(key_of(request))
        found: set[str] = set()
        for request in fresh:
            key = key_of(request)
            if key in mine:
                result.requests.append(request)
                found.add(key)
        for request in requests:
            key = key_of(request)
            if key in mine and key not in found:
                why = (
                    "done by another run meanwhile"
                    if journal.moved(key) is not None
                    else "changed or left the pending list while this run started; not done"
                )
                result.gone.append((request, why))
        yield result
