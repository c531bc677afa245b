"""What this operator did in this session, with outcomes (lazygit's command log; pure).

The backend link records here the outcome of every op that changes something (provision,
apply quotas, an edit, a reset, an acknowledgement) as it returns or fails; reads (lists,
plans, look-ups) are not actions and are left out. It is the TUI's own record of this session:
the backend's audit journal has no query by operator and session, and the session's outcomes
are exactly what the TUI saw answered. Nothing secret is kept: a reset is named by its user,
never by its reference; an edit by its row and field, with the value as typed. The op names
its parameters' and reply's shapes (`replies.PARAMS`, `replies.REPLIES`): each is read as its type.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from moc_tui.protocol.replies import (
    AckReply,
    BatchReply,
    EditParams,
    ErrorIdParams,
    Op,
    ResetParams,
    ResetReply,
    RowsParams,
)
from moc_tui.tui.format import when


@dataclass(frozen=True)
class Entry:
    """One thing done: when (UTC ISO), what, and how it ended."""

    at: str
    what: str
    outcome: str
    ok: bool

    def line(self) -> str:
        mark = "✓" if self.ok else "✗"
        return f"{when(self.at)} {mark} {self.what}: {self.outcome}"


def _rows(params: RowsParams) -> str:
    rows = [str(r["row"]) for r in params["rows"]]
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(rows)


def _batch(reply: BatchReply) -> tuple[str, bool]:
    failed = reply["failed"]
    parts = [f"{len(reply['done'])} done", f"{len(failed)} failed"]
    if reply["cancelled"]:
        parts.append(f"{len(reply['cancelled'])} cancelled")
    text = ", ".join(parts)
    reasons = [f"row {f['row']}: {f['message']}" for f in failed]
    return text + (f" ({'; '.join(reasons)})" if reasons else ""), not failed


def _what(op: Op, params: Mapping[str, object]) -> str:
    """The action in words; `params` are the op's own (`replies.PARAMS[op]`)."""
    if op == "provision":
        return f"provision {_rows(cast(RowsParams, params))}"
    if op == "apply_quota":
        return f"apply quotas of {_rows(cast(RowsParams, params))}"
    if op == "edit_access_field":
        edit = cast(EditParams, params)
        return f"edit row {edit['row']}: {edit['field'].replace('_', ' ')} -> {edit['value']}"
    if op == "reset_password":
        reset = cast(ResetParams, params)
        again = " (again)" if reset.get("again") else ""
        return f"reset the password of {reset['username']}{again}"
    return f"acknowledge error {cast(ErrorIdParams, params)['error_id']}"


def _outcome(op: Op, reply: Mapping[str, object]) -> tuple[str, bool]:
    """How it ended; `reply` is the op's own (`replies.REPLIES[op]`)."""
    if op in ("provision", "apply_quota"):
        return _batch(cast(BatchReply, reply))
    if op == "reset_password":
        reset = cast(ResetReply, reply)
        if reset["ok"]:
            return f"link mailed to {reset['mailed_to']}", True
        return reset["message"] or "not reset", False
    if op == "ack_error":
        acknowledged = cast(AckReply, reply)["acknowledged"]
        return ("acknowledged", True) if acknowledged else ("already gone", False)
    return "saved to the sheet", True


RECORDED: frozenset[Op] = frozenset(
    {"provision", "apply_quota", "edit_access_field", "reset_password", "ack_error"}
)


class SessionLog:
    """Thread-safe: the link's calls run in worker threads."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: list[Entry] = []

    def record(
        self, op: Op, params: Mapping[str, object], reply: Mapping[str, object] | None, error: str
    ) -> None:
        """An op answered (`reply`) or failed (`error`, already operator words). Any op's
        parameters and reply come in; the recorded ops' are read as their types."""
        if op not in RECORDED:
            return
        outcome, ok = (error, False) if reply is None else _outcome(op, reply)
        entry = Entry(self._clock().isoformat(), _what(op, params), outcome, ok)
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)
