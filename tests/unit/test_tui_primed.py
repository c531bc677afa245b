"""The first backend is asked for its greeting and first list before the app asks (login time)."""

from __future__ import annotations

import threading
from typing import Any, cast

import pytest

from moc_tui.protocol.client import BackendClient, BackendError
from tests.waiting import wait_until


class RecordingBackend:
    """Stands in for `BackendClient`: records each call the backend would receive."""

    def __init__(self, refuse: str = "") -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse = refuse
        self.lock = threading.Lock()

    def call(
        self, op: str, params: dict[str, Any] | None = None, *, on_event: Any = None
    ) -> dict[str, Any]:
        with self.lock:
            self.calls.append((op, dict(params or {})))
            n = len(self.calls)
        if op == self.refuse:
            raise BackendError("startup", "the settings file is not the service user's")
        return {"op": op, "n": n}

    def close(self, timeout: float = 600) -> int:
        return 0

    def cancel_running(self) -> int:
        return 0


def primed(backend: RecordingBackend) -> Any:
    from moc_tui.tui.primed import PrimedBackend

    calls = [("hello", {"operator": "ada"}), ("list_access", {})]
    return PrimedBackend(cast(BackendClient, backend), calls)


def test_the_first_calls_are_sent_before_the_app_asks_and_answered_once() -> None:
    backend = RecordingBackend()
    client = primed(backend)
    wait_until(lambda: len(backend.calls) == 2, what="the primed calls")
    assert backend.calls == [("hello", {"operator": "ada"}), ("list_access", {})]
    assert client.call("hello", {"operator": "ada"}) == {"op": "hello", "n": 1}
    assert client.call("list_access") == {"op": "list_access", "n": 2}
    # the next list is a new request: a primed reply is never handed out twice
    assert client.call("list_access") == {"op": "list_access", "n": 3}
    # a call that differs in its parameters is not answered from the primed one
    assert client.call("hello", {"operator": "bob"})["n"] == 4


def test_a_refusal_of_a_primed_call_reaches_the_caller() -> None:
    backend = RecordingBackend(refuse="hello")
    client = primed(backend)
    with pytest.raises(BackendError) as refused:
        client.call("hello", {"operator": "ada"})
    assert refused.value.code == "startup"
    assert client.call("list_access")["op"] == "list_access"
