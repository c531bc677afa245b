"""What the TUI may see of a request, a plan, an event or a journal record: sanitised, no secrets.

Every string that came from the sheet goes through `visible()` (control, bidi and zero-width
characters become escapes; long values are cut), so the TUI never receives a terminal escape.
The PIN and the raw cells are never part of a view: the TUI gets `pin_provided` and a row
fingerprint instead. The fingerprint is an HMAC under a key only the service user can read
(`<state dir>/fingerprint.key`), so it cannot be brute-forced back to a 4-digit PIN, and it is the
same in every session, so two operators' fingerprints of one row compare equal.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from moc_tui.core.access import AccessRequest
from moc_tui.core.access.hold import Hold, HoldKind
from moc_tui.core.access.keys import access_key
from moc_tui.core.access.plan import RequestPlan
from moc_tui.core.journal import AuditRecord, ErrorRecord
from moc_tui.core.text import looks_like_formula, visible
from moc_tui.core.workflow import events as core
from moc_tui.core.workflow.batch import Failure
from moc_tui.protocol import views as wire
from moc_tui.protocol.events import EventKind, ProgressEvent
from moc_tui.protocol.views import (
    AccessPlanView,
    AccessView,
    AuditView,
    ErrorView,
    FailureView,
    HoldView,
)

SHORT = 200
LONG = 2000
_KEY = {"fingerprint": secrets.token_bytes(32)}
_TEXT_FIELDS = (
    "email",
    "username",
    "first_name",
    "last_name",
    "organization",
    "role",
    "phone",
    "sponsor",
    "comment",
    "project",
    "description",
    "timestamp",
)


def load_fingerprint_key(state_dir: Path) -> None:
    """Use the state directory's key, creating it (0600) on first use.

    The key is written to a file of its own and then linked into place, so a backend starting
    at the same moment never reads a key file still being written (it read an empty file and
    fingerprinted with another key: every row it was shown by the other looked changed).
    """
    path = state_dir / "fingerprint.key"
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        draft = state_dir / f".fingerprint.key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "wb") as new:
                new.write(secrets.token_bytes(32))
                new.flush()
                os.fsync(new.fileno())
            with contextlib.suppress(FileExistsError):  # another backend's key won: use it
                os.link(draft, path)
        finally:
            draft.unlink(missing_ok=True)
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as existing:
        key = existing.read()
    if len(key) >= 32:
        _KEY["fingerprint"] = key


def fingerprint(tab: str, row: int, cells: Sequence[str]) -> str:
    """HMAC of the row as read; equal fingerprints mean the row still holds what was shown."""
    material = "\0".join([tab, str(row), *cells]).encode("utf-8", "surrogatepass")
    return hmac.new(_KEY["fingerprint"], material, hashlib.sha256).hexdigest()


def clean(value: Any, limit: int = LONG) -> Any:
    """Sanitise a JSON-able value recursively: strings shown visibly and cut to `limit`."""
    if isinstance(value, str):
        return visible(value, limit)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {visible(str(k), SHORT): clean(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, limit) for v in value]
    return visible(str(value), limit)


def access_view(request: AccessRequest, tab: str) -> AccessView:
    def text(name: str) -> str:
        return visible(str(getattr(request, name)), LONG)

    return {
        "row": request.row,
        "request_key": access_key(request),
        "fingerprint": fingerprint(tab, request.row, request.cells),
        "project_action": str(request.project_action),
        "project_derived": request.project_derived,
        "expects_new_user": request.expects_new_user,
        "pin_provided": bool(request.pin),
        "extra_users": [visible(u, SHORT) for u in request.extra_users],
        "problems": [visible(p, LONG) for p in request.problems],
        "problem_fields": [p.field for p in request.issues],  # what each problem is about
        "formulas": [f for f in _TEXT_FIELDS if looks_like_formula(str(getattr(request, f)))],
        "email": text("email"),
        "username": text("username"),
        "first_name": text("first_name"),
        "last_name": text("last_name"),
        "organization": text("organization"),
        "role": text("role"),
        "phone": text("phone"),
        "sponsor": text("sponsor"),
        "comment": text("comment"),
        "project": text("project"),
        "description": text("description"),
        "timestamp": text("timestamp"),
        "hold": None if request.hold is None else hold_view(request.hold),
    }


def hold_kind(kind: HoldKind) -> wire.HoldKind:
    """The core's hold kind as the protocol spells it (mypy checks the match is exhaustive)."""
    match kind:
        case HoldKind.HELD:
            return "held"
        case HoldKind.DENIED:
            return "denied"


def hold_view(hold: Hold) -> HoldView:
    """A hold as the TUI sees it (the reason came from the sheet)."""
    return {"kind": hold_kind(hold.kind), "reason": visible(hold.reason, LONG)}


def plan_view(planned: RequestPlan) -> AccessPlanView:
    return {
        "row": planned.row,
        "request_key": planned.request_key,
        "email": visible(planned.email, SHORT),
        "project": visible(planned.project, SHORT),
        "creates_project": planned.creates_project,
        "user": visible(planned.user, SHORT),
        "creates_user": planned.creates_user,
        "role": visible(planned.role, SHORT),
        "quota_changes": [
            {"name": c.name, "current": c.current, "target": c.target}
            for c in planned.quota_changes
        ],
        "extra_users": [[visible(n, SHORT), exists] for n, exists in planned.extra_users],
        "mails": [[kind, visible(to, SHORT)] for kind, to in planned.mails],
        "move_to": visible(planned.move_to, SHORT),
        "done_steps": list(planned.done_steps),
        "problems": [visible(p, LONG) for p in planned.problems],
        "ok": planned.ok,
        "lines": [visible(line, LONG) for line in planned.lines()],
    }


def event_view(item: core.Event) -> ProgressEvent:
    """The core's event as the protocol types it; every text sanitised."""
    match item:
        case core.RowStarted():
            return {
                "kind": EventKind.ROW_STARTED,
                "row": item.row,
                "email": visible(item.email, SHORT),
                "request_key": item.request_key,
            }
        case core.StepStarted():
            return {
                "kind": EventKind.STEP_STARTED,
                "row": item.row,
                "step": visible(item.step, SHORT),
            }
        case core.StepDone():
            return {
                "kind": EventKind.STEP_DONE,
                "row": item.row,
                "step": visible(item.step, SHORT),
                "detail": clean(item.detail),
                "resumed": item.resumed,
            }
        case core.RowWarning():
            return {
                "kind": EventKind.ROW_WARNING,
                "row": item.row,
                "message": visible(item.message),
            }
        case core.RowDone():
            return {"kind": EventKind.ROW_DONE, "row": item.row}
        case core.RowFailed():
            return {
                "kind": EventKind.ROW_FAILED,
                "row": item.row,
                "step": visible(item.step, SHORT),
                "message": visible(item.message, LONG),
            }
        case core.RowCancelled():
            return {"kind": EventKind.ROW_CANCELLED, "row": item.row, "step": item.step}
        case core.RowsMoved():
            return {
                "kind": EventKind.ROWS_MOVED,
                "rows": list(item.rows),
                "target": visible(item.target, SHORT),
            }


def error_view(record: ErrorRecord) -> ErrorView:
    return {
        "id": record.id,
        "at": visible(record.at, SHORT),
        "operator": visible(record.operator, SHORT),
        "request_key": record.request_key,
        "tab": None if record.tab is None else visible(record.tab, SHORT),
        "row": record.row,
        "email": None if record.email is None else visible(record.email, SHORT),
        "step": None if record.step is None else visible(record.step, SHORT),
        "message": visible(record.message, LONG),
        "acknowledged_by": (
            None if record.acknowledged_by is None else visible(record.acknowledged_by, SHORT)
        ),
    }


def audit_view(record: AuditRecord) -> AuditView:
    return {
        "id": record.id,
        "at": visible(record.at, SHORT),
        "operator": visible(record.operator, SHORT),
        "action": visible(record.action, SHORT),
        "request_key": record.request_key,
        "detail": clean(record.detail),
    }


def failure_view(failure: Failure) -> FailureView:
    """A failed row of a provisioning or quota run, as the TUI may see it."""
    return {
        "row": failure.row,
        "email": visible(failure.email, SHORT),
        "step": visible(failure.step, SHORT),
        "message": visible(failure.message, LONG),
    }
