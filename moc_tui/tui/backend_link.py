"""A thin, Textual-free adapter over `BackendClient`: one method per protocol op.

Thread workers call it (every call blocks) and only post messages back to the UI. It holds no
secret: a reset names the PIN by the ticket's reference (setpass holds the PIN). Errors stay
`BackendError`; anything else becomes a short generic text via `explain()`, because the
details belong in the backend's log, not on the operator's screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from moc_tui.backend.client import BackendError

View = dict[str, Any]
EventCallback = Callable[[str, dict[str, Any]], None]
LOST = frozenset({"gone", "startup"})  # the session is over: only a new backend helps
RECONNECT_KEY = "C"


class Backend(Protocol):
    """What the link needs of `BackendClient` (tests pass an in-process fake)."""

    def call(
        self,
        op: str,
        params: dict[str, Any] | None = None,
        *,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]: ...

    def close(self, timeout: float = ...) -> int: ...

    def cancel_running(self) -> int: ...


def ref(view: View) -> dict[str, Any]:
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
        self.hello_info: View = {}

    def _call(
        self, op: str, params: dict[str, Any] | None = None, on_event: EventCallback | None = None
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
            if fresh and op != "hello" and self.hello_info:  # a new session after a reconnect
                self.hello_info = backend.call("hello", self._hello_params())
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
    def _hello_params(self) -> dict[str, Any]:
        params = {"operator": self.operator}
        if self.session:
            params["session"] = self.session
        return params

    def hello(self) -> View:
        self.hello_info = self._call("hello", self._hello_params())
        return self.hello_info

    def list_access(self) -> list[View]:
        return list(self._call("list_access").get("requests", []))

    def edit_field(self, view: View, field: str, value: str) -> View | None:
        """Write one cell; returns the row as re-read (None when it left the pending list)."""
        params = {**ref(view), "field": field, "value": value}
        request: View | None = self._call("edit_access_field", params).get("request")
        return request

    def plan_access(self, views: list[View]) -> list[View]:
        return list(self._call("plan_access", {"rows": [ref(v) for v in views]})["plans"])

    def provision(self, view: View, on_event: EventCallback) -> View:
        return self._call("provision", {"rows": [ref(view)]}, on_event)

    # quota requests ---------------------------------------------------------------------------
    def list_quota(self) -> list[View]:
        return list(self._call("list_quota").get("requests", []))

    def plan_quota(self, views: list[View]) -> list[View]:
        return list(self._call("plan_quota", {"rows": [ref(v) for v in views]})["plans"])

    def apply_quota(self, view: View, on_event: EventCallback) -> View:
        return self._call("apply_quota", {"rows": [ref(view)]}, on_event)

    # journal and resets -----------------------------------------------------------------------
    def list_errors(self, include_acknowledged: bool = False) -> list[View]:
        params = {"include_acknowledged": include_acknowledged}
        return list(self._call("list_errors", params).get("errors", []))

    def ack_error(self, error_id: int) -> bool:
        return bool(self._call("ack_error", {"error_id": error_id}).get("acknowledged"))

    def audit_trail(self, request_key: str) -> list[View]:
        return list(self._call("audit_trail", {"request_key": request_key}).get("records", []))

    def reset_password(
        self, username: str, reference: str, again: bool, on_event: EventCallback
    ) -> View:
        params = {"username": username, "reference": reference, "again": again}
        return self._call("reset_password", params, on_event)

    def list_not_activated(self) -> list[View]:
        return list(self._call("list_not_activated").get("users", []))

    # look-ups while the operator types --------------------------------------------------------
    def suggest_projects(self, text: str) -> list[View]:
        """Keystone projects and aliases close to `text`: `{name, source, target}` each."""
        return list(self._call("suggest_projects", {"text": text}).get("suggestions", []))

    def find_users(self, text: str) -> list[View]:
        """Users whose name or email contains `text`: `{name, email, enabled}` each."""
        return list(self._call("find_users", {"text": text}).get("users", []))
