"""What this operator did in this session, with outcomes (lazygit's command log; pure).

The backend link records here the outcome of every op that changes something (provision,
apply quotas, an edit, a reset, an acknowledgement) as it returns or fails; reads (lists,
plans, look-ups) are not actions and are left out. It is the TUI's own record of this session:
the backend's audit journal has no query by operator and session, and the session's outcomes
are exactly what the TUI saw answered. Nothing secret is kept: a reset is named by its user,
never by its reference; an edit by its row and field, with the value as typed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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


def _rows(params: Mapping[str, Any]) -> str:
    rows = [str(r.get("row")) for r in params.get("rows") or [] if isinstance(r, Mapping)]
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(rows)


def _batch(reply: Mapping[str, Any]) -> tuple[str, bool]:
    failed = reply.get("failed") or []
    parts = [f"{len(reply.get('done') or [])} done", f"{len(failed)} failed"]
    if reply.get("cancelled"):
        parts.append(f"{len(reply['cancelled'])} cancelled")
    text = ", ".join(parts)
    reasons = [f"row {f.get('row')}: {f.get('message', '')}" for f in failed]
    return text + (f" ({'; '.join(reasons)})" if reasons else ""), not failed


def _what(op: str, params: Mapping[str, Any]) -> str:
    if op == "provision":
        return f"provision {_rows(params)}"
    if op == "apply_quota":
        return f"apply quotas of {_rows(params)}"
    if op == "edit_access_field":
        field = str(params.get("field", "")).replace("_", " ")
        return f"edit row {params.get('row')}: {field} -> {params.get('value')}"
    if op == "reset_password":
        again = " (again)" if params.get("again") else ""
        return f"reset the password of {params.get('username')}{again}"
    return f"acknowledge error {params.get('error_id')}"


def _outcome(op: str, reply: Mapping[str, Any]) -> tuple[str, bool]:
    if op in ("provision", "apply_quota"):
        return _batch(reply)
    if op == "reset_password":
        if reply.get("ok"):
            return f"link mailed to {reply.get('mailed_to')}", True
        return str(reply.get("message") or "not reset"), False
    if op == "ack_error":
        return ("acknowledged", True) if reply.get("acknowledged") else ("already gone", False)
    return "saved to the sheet", True


RECORDED = frozenset(
    {"provision", "apply_quota", "edit_access_field", "reset_password", "ack_error"}
)


class SessionLog:
    """Thread-safe: the link's calls run in worker threads."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: list[Entry] = []

    def record(
        self, op: str, params: Mapping[str, Any], reply: Mapping[str, Any] | None, error: str
    ) -> None:
        """An op answered (`reply`) or failed (`error`, already operator words)."""
        if op not in RECORDED:
            return
        outcome, ok = (error, False) if reply is None else _outcome(op, reply)
        entry = Entry(self._clock().isoformat(), _what(op, params), outcome, ok)
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)
