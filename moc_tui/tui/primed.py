"""The first backend's greeting and first list, asked for while Textual is still starting.

At login the TUI's two start-ups (importing Textual; the backend behind sudo) already overlap,
but the first screen used to send `hello` and `list_access` only once the app had mounted, so the
backend's answer time was added after Textual's start. `PrimedBackend` sends those requests as
soon as the backend process exists, on a thread, and hands each reply (or refusal) to the first
identical call the app makes; every other call goes straight through. A reply nobody asks for is
dropped with the session.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from moc_tui.protocol.client import BackendClient
from moc_tui.protocol.events import EventCallback

Call = tuple[str, Mapping[str, object]]


def _key(op: str, params: Mapping[str, object] | None) -> str:
    return json.dumps([op, dict(params or {})], sort_keys=True)


class PrimedBackend:
    """A `BackendClient` whose first calls were sent before anyone asked (see the module)."""

    def __init__(self, backend: BackendClient, calls: Sequence[Call]) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._primed: dict[str, Future[dict[str, Any]]] = {
            _key(op, params): Future() for op, params in calls
        }
        threading.Thread(target=self._send, args=(list(calls),), daemon=True).start()

    def _send(self, calls: list[Call]) -> None:
        for op, params in calls:  # in order: the greeting before the list
            with self._lock:
                future = self._primed.get(_key(op, params))
            if future is None or not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.backend.call(op, params))
            except BaseException as error:  # handed to the caller, who would have seen it
                future.set_exception(error)

    def call(
        self,
        op: str,
        params: Mapping[str, object] | None = None,
        *,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            future = self._primed.pop(_key(op, params), None) if on_event is None else None
        if future is not None:
            return future.result()
        return self.backend.call(op, params, on_event=on_event)

    def close(self, timeout: float = 600) -> int:
        with self._lock:
            for future in self._primed.values():
                future.cancel()
        return self.backend.close(timeout=timeout)

    def cancel_running(self) -> int:
        return self.backend.cancel_running()
