"""Cancelling a running provision through the protocol.

The mechanism (the inbox answers a cancel while the main loop runs an op, and the op sees the
mark) with a stand-in session; then the real backend child on the whole stack: a cancel during
a provision leaves the row pending with no error record, and provisioning it again finishes it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from typing import Any

import pytest

from moc_tui.backend.server import Output, Redactor, serve
from moc_tui.protocol.client import BackendClient, dev_command
from moc_tui.protocol.events import ProgressEvent, split
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM
from tests.waiting import wait_for_value, wait_until

ROWS = [{"row": 2, "fingerprint": "a" * 64}]


class Collected(io.RawIOBase):
    """Where the server writes its replies: kept, thread-safe, readable as JSON objects."""

    def __init__(self) -> None:
        super().__init__()
        self.data = b""
        self.lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, chunk: Any) -> int:
        with self.lock:
            self.data += bytes(chunk)
        return len(chunk)

    def messages(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(line) for line in self.data.splitlines()]


class WaitsForCancel:
    """A session whose provision runs until the server says it was cancelled."""

    operator = "alice"
    services = None

    def __init__(self) -> None:
        self.cancelled: Any = lambda: False
        self.started = threading.Event()
        self.ops: list[str] = []

    def handle(self, op: str, params: dict[str, Any], emit: Any) -> dict[str, Any]:
        self.ops.append(op)
        if op != "provision":
            return {}
        self.started.set()
        wait_until(self.cancelled, 10, "the cancel mark")
        return {"done": [], "failed": [], "cancelled": [row for row, _ in params["rows"]]}


def test_a_cancel_is_answered_while_the_op_runs_and_the_op_sees_it() -> None:
    read_end, write_end = os.pipe()
    stdin, feed = os.fdopen(read_end, "rb"), os.fdopen(write_end, "wb")
    sink = Collected()
    session = WaitsForCancel()
    server = threading.Thread(
        target=serve,
        args=(session, stdin, Output(sink, Redactor([])), logging.getLogger("test")),  # type: ignore[arg-type]
        daemon=True,
    )
    server.start()

    def send(message: dict[str, Any]) -> None:
        feed.write(json.dumps(message).encode() + b"\n")
        feed.flush()

    send({"id": 7, "op": "provision", "params": {"rows": ROWS}})
    assert session.started.wait(10)
    send({"id": 8, "op": "cancel", "params": {"target": 7}})
    replies = wait_for_value(
        lambda: [m["id"] for m in sink.messages()] if len(sink.messages()) == 2 else None,
        10,
        "two replies",
    )
    assert replies == [8, 7]  # the cancel was answered while 7 was still running
    by_id = {m["id"]: m for m in sink.messages()}
    assert by_id[8]["result"] == {"target": 7, "marked": True}
    assert by_id[7]["result"]["cancelled"] == [2]
    # a cancel of a request that is not running marks nothing lasting: the next run goes on
    send({"id": 9, "op": "cancel", "params": {"target": 99}})
    send({"id": 10, "op": "cancel", "params": {"target": "x"}})  # refused: target is a number
    wait_until(lambda: len(sink.messages()) == 4, 10, "the cancel replies")
    refused = next(m for m in sink.messages() if m["id"] == 10)
    assert refused["ok"] is False and refused["error"]["code"] == "bad_params"
    feed.close()
    server.join(10)
    assert not server.is_alive()
    assert session.ops == ["provision"]  # cancels never reach the session


@pytest.mark.keystone
def test_cancel_during_a_real_provision_keeps_the_row_and_a_rerun_finishes_it(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(FORM, [access_row(email=f"cy.{s}@example.org", new_project=f"c-{s}")])
    client = BackendClient(dev_command(stack.settings_path))
    events: list[tuple[str, dict[str, Any]]] = []

    def heard(event: ProgressEvent) -> None:
        events.append(split(event))

    try:
        client.call("hello", {"operator": "alice"})
        [view] = client.call("list_access")["requests"]
        ref = [{"row": view["row"], "fingerprint": view["fingerprint"]}]
        answer: dict[str, Any] = {}

        def run() -> None:
            answer.update(client.call("provision", {"rows": ref}, on_event=heard))

        worker = threading.Thread(target=run)
        worker.start()
        wait_until(lambda: any(kind == "row_started" for kind, _ in events), 30, "row_started")
        assert client.cancel_running() == 1
        worker.join(60)
        assert answer["done"] == [] and answer["failed"] == []
        assert answer["cancelled"] == [view["row"]]
        stopped = [d for kind, d in events if kind == "row_cancelled"]
        assert len(stopped) == 1 and stopped[0]["row"] == view["row"]
        assert client.call("list_errors")["errors"] == []
        assert [r[4] for r in stack.tabs()[FORM][1:]] == [f"cy.{s}@example.org"]  # still there

        [again] = client.call("list_access")["requests"]
        ref = [{"row": again["row"], "fingerprint": again["fingerprint"]}]
        finished = client.call("provision", {"rows": ref})
        assert finished["done"] == [again["row"]] and finished["cancelled"] == []
        trail = client.call("audit_trail", {"request_key": view["request_key"]})["records"]
        assert "provision-cancelled" in [r["action"] for r in trail]
    finally:
        client.close()
    assert [r[4] for r in stack.tabs()[ACCESS_DONE][1:]] == [f"cy.{s}@example.org"]
    assert keystone_admin.client.users.list(name=f"cy.{s}@example.org")
    stack.remove_cloud_objects(keystone_admin)
