"""`hold_access` / `release_access`: a row the helpdesk cannot fix from the TUI waits, with a
reason, in the sheet's note column (`moc_tui.core.access.hold`).

The write is the edit's: the row re-read under its lock and checked against what the operator
saw, then one cell set through the store's guarded row write (rows found by their tags, written
RAW; see docs/sheets.md), then an audit record with who, what and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from moc_tui.backend import views
from moc_tui.backend.batch_claim import Emit
from moc_tui.core.access import AccessRequest, ParsedAccessTab
from moc_tui.core.access.hold import (
    Hold,
    HoldKind,
    missing_note_column,
    note_column,
    reason_problems,
)
from moc_tui.core.access.keys import access_key, legacy_access_key
from moc_tui.core.locks import Busy, Locks
from moc_tui.core.services import Services, Tabs
from moc_tui.core.settings import Settings
from moc_tui.core.sheets import RowRef
from moc_tui.core.text import trim
from moc_tui.protocol import replies
from moc_tui.protocol.wire import ProtocolError as Refused


class _SessionParts(Protocol):
    """What these ops use of `ops.Session`."""

    settings: Settings

    @property
    def tab(self) -> str: ...

    @property
    def locks(self) -> Locks: ...

    def _read(self, services: Services) -> tuple[Tabs, ParsedAccessTab]: ...

    def _selected(
        self, parsed: ParsedAccessTab, rows: Sequence[tuple[int, str]]
    ) -> list[AccessRequest]: ...

    def _busy(self, error: Busy, keys: dict[str, int]) -> Refused: ...


class HoldOps:
    """Mixed into `ops.Session`."""

    def op_hold_access(
        self: _SessionParts, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.HoldReply:
        reason = trim(params["reason"])
        refused = reason_problems(reason)
        if refused:
            raise Refused("bad_value", refused[0], row=params["row"])
        hold = Hold(HoldKind(params["kind"]), reason)
        return _write_note(self, services, params, hold)

    def op_release_access(
        self: _SessionParts, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.HoldReply:
        return _write_note(self, services, params, None)


def _write_note(
    session: _SessionParts, services: Services, params: dict[str, Any], hold: Hold | None
) -> replies.HoldReply:
    row, seen = params["row"], params["fingerprint"]
    tab, header = session.tab, session.settings.access_note_header
    _, parsed = session._read(services)
    [request] = session._selected(parsed, [(row, seen)])
    key = access_key(request)
    try:
        with session.locks.hold([key]):
            tabs, parsed = session._read(services)
            [request] = session._selected(parsed, [(row, seen)])
            column = note_column(tabs[tab][0] if tabs[tab] else (), header)
            if column is None:
                raise Refused("no_note_column", missing_note_column(tab, header), row=row)
            if hold is None and request.hold is None:
                raise Refused("not_held", f"row {row} is not held or denied", row=row)
            ref = RowRef(row, key, request.cells)
            note = "" if hold is None else hold.note
            if services.store.update_rows(tab, [(ref, {column + 1: note})]):
                raise Refused(
                    "row_changed",
                    f"row {row} moved or changed before the note was saved; reload the list",
                    row=row,
                )
            before = request.hold
            detail: dict[str, object] = {"row": row}
            shown = hold if hold is not None else before
            if shown is not None:  # a release says what it released
                detail["kind" if hold is not None else "was"] = shown.kind.value
                detail["reason"] = views.clean(shown.reason, views.SHORT)
            action = _ACTIONS[hold.kind if hold is not None else None]
            services.journal.audit(services.operator, action, key, detail)
    except Busy as error:
        raise session._busy(error, {key: row}) from None
    _, parsed = session._read(services)
    same = legacy_access_key(request)
    fresh = [r for r in parsed.requests if r.row == row and legacy_access_key(r) == same]
    return {"request": views.access_view(fresh[0], tab) if fresh else None}


_ACTIONS = {HoldKind.HELD: "hold", HoldKind.DENIED: "deny", None: "release"}
