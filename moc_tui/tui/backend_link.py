"""A thin, Textual-free adapter over `BackendClient`: one method per protocol op.

Thread workers call it (every call blocks) and only post messages back to the UI. It holds no
secret: a reset names the PIN by the ticket's reference (setpass holds the PIN). Errors stay
`BackendError`; anything else becomes a short generic text via `explain()`, because the
details belong in the backend's log, not on the operator's screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast

from moc_tui.protocol import replies
from moc_tui.protocol.client import BackendError
from moc_tui.protocol.events import EventCallback
from moc_tui.protocol.replies import HelloParams, HelloReply
from moc_tui.protocol.views import (
    AccessPlanView,
    AccessView,
    AuditView,
    ErrorView,
    HoldKind,
    NotActivatedView,
    ProjectSuggestion,
    QuotaPlanView,
    QuotaView,
    RequestView,
    RowRef,
    UserMatch,
)
from moc_tui.tui.session_log import SessionLog

LOST = frozenset({"gone", "startup"})  # the session is over: only a new backend helps
RECONNECT_KEY = "C"


class Backend(Protocol):
    """What the link needs of `BackendClient` (tests pass an in-process fake).

    `call` is the untyped wire boundary: a reply is whatever JSON object came back. Each of
    the link's methods casts it to its op's reply type (`replies.REPLIES`), which the drift
    tests hold the backend to, so everything above the link reads typed views.
    """

    def call(
        self,
        op: str,
        params: Mapping[str, object] | None = None,
        *,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]: ...

    def close(self, timeout: float = ...) -> int: ...

    def cancel_running(self) -> int: ...


def ref(view: RequestView) -> RowRef:
    """The `{row, fingerprint}` the backend needs to act on a row the operator saw."""
    return {"row": view["row"], "fingerprint": view["fingerprint"]}


def explain(error: BaseException) -> str:
    """Words for the operator: the backend's own message, or a generic line for a bug."""
    if isinstance(error, BackendError):
        text = error.message or error.code
        if error.code in LOST:
            text += f"; press {RECONNECT_KEY} to start a new backend session"
        return text
    return f"unexpected error ({type(error).__name__}); the details are in the backend log"


class BackendLink:
    """One backend session at a time: connected lazily, greeted once, closed on exit.

    When the backend dies (or refused to start) the link is `lost` and every call fails
    until `reconnect()`, which the operator asks for with a key: never a restart loop.
    """

    def __init__(self, connect: Callable[[], Backend], operator: str, session: str = "") -> None:
        self._connect = connect
        self.operator = operator
        self.session = session
        self._backend: Backend | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.lost = False
        self.on_lost: Callable[[], None] = lambda: None  # called from the worker's thread
        self.sessions = 0  # backends started, for the operator's "session N" and the tests
        self.greeting: HelloReply | None = None  # the `hello` reply, once greeted
        self.session_log = SessionLog()  # what this operator did in this session

    def _call(
        self,
        op: replies.Op,
        params: Mapping[str, object] | None = None,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]:
        """One op; its outcome goes to the session log (which keeps only the changes)."""
        try:
            reply = self._call_backend(op, params, on_event)
        except Exception as error:
            self.session_log.record(op, params or {}, None, explain(error))
            raise
        self.session_log.record(op, params or {}, reply, "")
        return reply

    def _call_backend(
        self,
        op: replies.Op,
        params: Mapping[str, object] | None = None,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            if self._closed:  # the app is exiting: a worker must not start a new backend
                raise BackendError("closed", "the session is closing")
            if self.lost:
                raise BackendError("gone", "the backend stopped")
            backend = self._backend
            fresh = backend is None
            if backend is None:
                backend = self._backend = self._connect()
                self.sessions += 1
        try:
            if fresh and op != "hello" and self.greeting is not None:  # a new session (reconnect)
                self.greeting = cast(HelloReply, backend.call("hello", self._hello_params()))
            if on_event is None:
                return backend.call(op, params or {})
            return backend.call(op, params or {}, on_event=on_event)
        except BackendError as error:
            if error.code in LOST:
                with self._lock:
                    self.lost = self._backend is backend
                if self.lost:
                    self.on_lost()
            raise

    def reconnect(self) -> None:
        """Drop the dead session; the next call starts a new backend (and greets it)."""
        with self._lock:
            backend, self._backend = self._backend, None
            self.lost = False
        if backend is not None:
            backend.close(timeout=5)

    def cancel_running(self) -> int:
        """Ask the backend to stop the provision / quota call in flight before its next step."""
        with self._lock:
            backend = self._backend
        return 0 if backend is None else backend.cancel_running()

    def close(self) -> None:
        with self._lock:
            backend, self._backend = self._backend, None
            self._closed = True
        if backend is not None:
            backend.close(timeout=600)

    # session and access requests -------------------------------------------------------------
    def _hello_params(self) -> HelloParams:
        params: HelloParams = {"operator": self.operator}
        if self.session:
            params["session"] = self.session
        return params

    def hello(self) -> HelloReply:
        self.greeting = cast(HelloReply, self._call("hello", self._hello_params()))
        return self.greeting

    def list_access(self) -> list[AccessView]:
        return cast(replies.AccessList, self._call("list_access"))["requests"]

    def edit_field(self, view: AccessView, field: str, value: str) -> AccessView | None:
        """Write one cell; returns the row as re-read (None when it left the pending list)."""
        params: replies.EditParams = {**ref(view), "field": field, "value": value}
        return cast(replies.EditReply, self._call("edit_access_field", params))["request"]

    def hold(self, view: AccessView, kind: HoldKind, reason: str) -> AccessView | None:
        """Put a row on hold or deny it; the row as re-read."""
        params: replies.HoldParams = {**ref(view), "kind": kind, "reason": reason}
        return cast(replies.HoldReply, self._call("hold_access", params))["request"]

    def release(self, view: AccessView) -> AccessView | None:
        return cast(replies.HoldReply, self._call("release_access", ref(view)))["request"]

    def plan_access(self, views: Sequence[AccessView]) -> list[AccessPlanView]:
        rows: replies.RowsParams = {"rows": [ref(v) for v in views]}
        return cast(replies.AccessPlans, self._call("plan_access", rows))["plans"]

    def provision(self, views: Sequence[AccessView], on_event: EventCallback) -> replies.BatchReply:
        """Every confirmed row in one call; `on_event` hears each row's and step's progress."""
        rows: replies.RowsParams = {"rows": [ref(v) for v in views]}
        return cast(replies.BatchReply, self._call("provision", rows, on_event))

    # quota requests ---------------------------------------------------------------------------
    def list_quota(self) -> list[QuotaView]:
        return cast(replies.QuotaList, self._call("list_quota"))["requests"]

    def plan_quota(self, views: Sequence[QuotaView]) -> list[QuotaPlanView]:
        rows: replies.RowsParams = {"rows": [ref(v) for v in views]}
        return cast(replies.QuotaPlans, self._call("plan_quota", rows))["plans"]

    def apply_quota(
        self, views: Sequence[QuotaView], on_event: EventCallback
    ) -> replies.QuotaBatchReply:
        rows: replies.RowsParams = {"rows": [ref(v) for v in views]}
        return cast(replies.QuotaBatchReply, self._call("apply_quota", rows, on_event))

    # journal and resets -----------------------------------------------------------------------
    def list_errors(self, include_acknowledged: bool = False) -> list[ErrorView]:
        params: replies.ListErrorsParams = {"include_acknowledged": include_acknowledged}
        return cast(replies.ErrorList, self._call("list_errors", params))["errors"]

    def ack_error(self, error_id: int) -> bool:
        params: replies.ErrorIdParams = {"error_id": error_id}
        return cast(replies.AckReply, self._call("ack_error", params))["acknowledged"]

    def audit_trail(self, request_key: str) -> list[AuditView]:
        params: replies.RequestKeyParams = {"request_key": request_key}
        return cast(replies.AuditTrail, self._call("audit_trail", params))["records"]

    def reset_password(
        self, username: str, reference: str, again: bool, on_event: EventCallback
    ) -> replies.ResetReply:
        params: replies.ResetParams = {"username": username, "reference": reference, "again": again}
        return cast(replies.ResetReply, self._call("reset_password", params, on_event))

    def list_not_activated(self) -> list[NotActivatedView]:
        return cast(replies.NotActivatedList, self._call("list_not_activated"))["users"]

    # look-ups while the operator types --------------------------------------------------------
    def suggest_projects(self, text: str) -> list[ProjectSuggestion]:
        """Keystone projects and aliases close to `text`."""
        params: replies.TextParams = {"text": text}
        return cast(replies.Suggestions, self._call("suggest_projects", params))["suggestions"]

    def find_users(self, text: str) -> list[UserMatch]:
        """Users whose name or email contains `text`."""
        params: replies.TextParams = {"text": text}
        return cast(replies.UserMatches, self._call("find_users", params))["users"]
