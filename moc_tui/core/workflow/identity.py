"""Which journal record is a request's, and the refusal of a row whose request already moved.

A request's key hashes what it asks for (`moc_tui.core.access.keys`). Journals written before
that hold records under the old key (Timestamp and lower-cased email), which two different rows
can share; such a record is adopted (re-keyed, once) only by a request whose names match what the
record created, so a journaled request is neither provisioned again nor lost, and a different
request that happens to share the old key starts its own record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from moc_tui.core.journal import Journal

R = TypeVar("R")
Done = Mapping[str, Mapping[str, Any]]


def _when(at: str) -> str:
    try:
        return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return at


@dataclass(frozen=True)
class Identity(Generic[R]):
    """How one kind of request is keyed; `matches` says an old-scheme record is this request's."""

    key_of: Callable[[R], str]
    legacy_of: Callable[[R], str]
    matches: Callable[[R, Done], bool]
    verb: str  # what finishing the request is called: "provisioned", "applied"

    def _legacy(self, journal: Journal, request: R, key: str) -> str | None:
        old = self.legacy_of(request)
        if old == key or journal.steps(key):
            return None
        done = journal.steps(old)
        return old if done and self.matches(request, done) else None

    def record_key(self, journal: Journal, request: R) -> str:
        """The key whose record is this request's, reading only (plans use this)."""
        key = self.key_of(request)
        return self._legacy(journal, request, key) or key

    def adopt(self, journal: Journal, request: R) -> str:
        """The request's key, an old-scheme record of it moved under that key first."""
        key = self.key_of(request)
        old = self._legacy(journal, request, key)
        if old is not None:
            journal.rekey(old, key)
        return key

    def refusal(self, journal: Journal, key: str) -> str | None:
        """Why a row still pending must not run: its request's row moved to the done tab."""
        moved = journal.moved(key)
        if moved is None:
            return None
        at, row = moved
        where = f" as row {row}" if row is not None else ""
        return f"this request was {self.verb} on {_when(at)}{where}; delete the row or change it"


def names_match(done: Done, wanted: Mapping[str, str]) -> bool:
    """Every `step -> name` the record holds is the wanted one (ignoring case); at least one."""
    seen = [(step, str(done[step]["name"])) for step in wanted if "name" in done.get(step, {})]
    return bool(seen) and all(name.casefold() == wanted[step].casefold() for step, name in seen)
