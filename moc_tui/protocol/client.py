"""The TUI's side of the pipe: start the backend, send requests, route replies and events.

Thread-safe: any thread may `call()`; one reader thread matches replies to callers by id and
hands events to the caller's callback. The backend runs in its own session (no SIGHUP or Ctrl+C
from the operator's terminal) with stderr discarded, so nothing it prints reaches the screen.
No Textual here: the TUI wraps this in its own workers.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moc_tui.protocol.events import EventCallback, join
from moc_tui.protocol.wire import CANCELLABLE

SUDO = "/usr/bin/sudo"


class BackendError(Exception):
    """The backend refused or failed a request (`code`, plain-words `message`, extra fields)."""

    def __init__(self, code: str, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data or {}


@dataclass
class _Pending:
    op: str
    on_event: EventCallback | None
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict[str, Any] | None = None


def production_command(service_user: str, backend: str) -> list[str]:
    """The only command the sudoers rule allows: no arguments, no environment."""
    return [SUDO, "-n", "-u", service_user, "--", backend]


def dev_command(config: Path, python: str = sys.executable) -> list[str]:
    """Development and demo: the backend as a plain child process of the same user."""
    return [python, "-I", "-m", "moc_tui", "backend", "--config", str(config)]


class BackendClient:
    """One backend process for one TUI session; `close()` (or the context) ends it."""

    def __init__(
        self,
        argv: Sequence[str],
        on_event: EventCallback | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self._on_event = on_event
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self.startup_error: BackendError | None = None
        self._heard = False  # any line from the backend at all
        self.process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env if env is not None else {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            start_new_session=True,
            close_fds=True,
        )
        self._reader = threading.Thread(target=self._read, name="backend-reader", daemon=True)
        self._reader.start()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        op: str,
        params: Mapping[str, object] | None = None,
        *,
        on_event: EventCallback | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one request and wait for its reply; raise BackendError on a refusal."""
        request_id = next(self._ids)
        pending = _Pending(op, on_event)
        with self._lock:
            if self.startup_error is not None:
                raise self.startup_error
            self._pending[request_id] = pending
        line = json.dumps({"id": request_id, "op": op, "params": dict(params or {})}) + "\n"
        try:
            with self._write_lock:
                assert self.process.stdin is not None
                self.process.stdin.write(line.encode())
                self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._fail(request_id, "gone", self._stopped())
        if not pending.done.wait(timeout):
            with self._lock:
                self._pending.pop(request_id, None)
            raise BackendError("timeout", f"no reply to {op} in {timeout} s")
        reply = pending.reply or {}
        if reply.get("ok"):
            result: dict[str, Any] = reply.get("result") or {}
            return result
        error = reply.get("error") or {}
        data = {k: v for k, v in error.items() if k not in ("code", "message")}
        raise BackendError(str(error.get("code", "error")), str(error.get("message", "")), data)

    def cancel_running(self, ops: frozenset[str] = CANCELLABLE) -> int:
        """Ask the backend to stop each call of `ops` in flight before its next step.

        Safe from any thread while those calls wait: the backend answers a cancel at once. The
        stopped call still returns normally, listing its rows under "cancelled". Returns how
        many calls were marked.
        """
        with self._lock:
            running = [i for i, p in self._pending.items() if p.op in ops]
        marked = 0
        for request_id in running:
            with contextlib.suppress(BackendError):
                marked += bool(self.call("cancel", {"target": request_id}, timeout=30)["marked"])
        return marked

    def _fail(self, request_id: int, code: str, message: str) -> None:
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is not None:
            pending.reply = {"ok": False, "error": {"code": code, "message": message}}
            pending.done.set()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            if isinstance(message, dict):
                self._heard = True
                self._dispatch(message)
        self._fail_all()

    def _fail_all(self) -> None:
        """Every waiting call ends: with the startup refusal if there was one."""
        with self._lock:
            ids = list(self._pending)
            startup = self.startup_error
        message = self._stopped() if startup is None and ids else ""
        for request_id in ids:
            if startup is not None:
                self._fail(request_id, startup.code, startup.message)
            else:
                self._fail(request_id, "gone", message)

    def _stopped(self) -> str:
        """Why the backend went away. Silent and failed: it never started (sudo refused it)."""
        try:
            status = self.process.wait(10)
        except subprocess.TimeoutExpired:
            return "the backend stopped"
        if status != 0 and not self._heard:
            return (
                f"the backend did not start (exit status {status}, no reply; sudo may have "
                "refused it); tell the admin to run: moc-tui doctor"
            )
        return "the backend stopped"

    def _dispatch(self, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        with self._lock:
            pending = self._pending.get(request_id) if isinstance(request_id, int) else None
        if "event" in message:
            callback = (pending.on_event if pending else None) or self._on_event
            data = message.get("data")
            event = join(str(message["event"]), data if isinstance(data, dict) else {})
            if callback is not None and event is not None:
                # a bug in a UI callback must not kill the reader thread
                with contextlib.suppress(Exception):
                    callback(event)
            return
        if pending is None:
            error = message.get("error") or {}
            if request_id is None and error.get("code") == "startup":
                with self._lock:
                    self.startup_error = BackendError("startup", str(error.get("message", "")))
                self._fail_all()
            return
        with self._lock:
            self._pending.pop(request_id, None)  # type: ignore[arg-type]
        pending.reply = message
        pending.done.set()

    def close(self, timeout: float = 600) -> int:
        """Close stdin (the backend finishes the op in hand and exits), then wait for it."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
