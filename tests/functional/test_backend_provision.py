"""Provisioning through the backend against the real stack: events stream, no secret leaves,
and two sessions on the same row never both act."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from moc_tui.protocol.client import BackendClient, BackendError, dev_command
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack
from tests.raw_backend import RawBackend, values
from tests.reset_form import PIN
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

pytestmark = pytest.mark.keystone


def test_provision_streams_events_and_no_secret_leaves(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(
        FORM,
        [
            access_row(email=f"nia.{s}@example.org", new_project=f"nia-{s}", pin=PIN),
            access_row(email=f"ote.{s}@example.org", new_project="admin", timestamp="t2"),
        ],
    )
    backend = RawBackend(stack.settings_path)
    try:
        backend.call("hello", {"operator": "alice"})
        listed = backend.call("list_access")["result"]["requests"]
        rows = [{"row": r["row"], "fingerprint": r["fingerprint"]} for r in listed]
        plans = backend.call("plan_access", {"rows": rows})["result"]["plans"]
        assert [p["ok"] for p in plans] == [True, False]
        answer = backend.call("provision", {"rows": rows}, rid=42)
    finally:
        status, stderr = backend.close()
    assert status == 0
    assert answer["result"]["done"] == [2]
    assert [f["row"] for f in answer["result"]["failed"]] == [3]
    events = [m for m in map(_json, backend.lines) if "event" in m]
    assert {m["id"] for m in events} == {42}
    kinds = [m["event"] for m in events]
    assert kinds[0] == "row_started" and "step_done" in kinds and "rows_moved" in kinds
    assert "row_failed" in kinds
    mails = stack.mail.wait_for(3)
    tokens = [t for m in mails for t in re.findall(r"token=([\w-]+)", m.text)]
    assert tokens, "a set-password link was mailed"
    canaries = [stack.settings.auth.admin_pwd, *tokens]
    everything = b"".join(backend.lines) + stderr
    everything += (stack.settings.state_dir / "backend.log").read_bytes()
    for canary in canaries:
        assert canary.encode() not in everything
    assert b"token=" not in everything
    assert all(PIN not in _scalars(_json(line)) for line in backend.lines)
    assert [r[4] for r in stack.tabs()[ACCESS_DONE][1:]] == [f"nia.{s}@example.org"]
    stack.remove_cloud_objects(keystone_admin)


def test_two_sessions_on_one_row(make_stack: MakeStack, keystone_admin: KeystoneAdmin) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(FORM, [access_row(email=f"kai.{s}@example.org", new_project=f"k-{s}")])
    release = threading.Event()
    held = stack.mail.hold(release, f"kai.{s}@example.org")  # alice's run stops at its first mail
    first = BackendClient(dev_command(stack.settings_path))
    second = BackendClient(dev_command(stack.settings_path))
    try:
        first.call("hello", {"operator": "alice"})
        second.call("hello", {"operator": "bob"})
        [request] = first.call("list_access")["requests"]
        rows = [{"row": request["row"], "fingerprint": request["fingerprint"]}]
        result: dict[str, Any] = {}
        worker = threading.Thread(
            target=lambda: result.update(first.call("provision", {"rows": rows}, timeout=180))
        )
        worker.start()
        assert held.wait(60)
        with pytest.raises(BackendError) as busy:
            second.call("provision", {"rows": rows}, timeout=60)
        assert busy.value.code == "busy"
        assert busy.value.data["holder"]["operator"] == "alice"
        assert "alice" in busy.value.message
        release.set()
        worker.join(180)
        assert result["done"] == [2]
        # bob tries again with what he saw: the row has moved on, nothing is done twice
        # (it fails alone in the reply, as one row of a batch would)
        again = second.call("provision", {"rows": rows}, timeout=60)
        assert again["done"] == [] and again["cancelled"] == []
        assert [(f["row"], f["step"]) for f in again["failed"]] == [(2, "changed")]
    finally:
        release.set()
        first.close()
        second.close()
    assert len(keystone_admin.client.users.list(name=f"kai.{s}@example.org")) == 1
    assert len(stack.mail.wait_for(3)) == 3
    assert len(stack.tabs()[ACCESS_DONE]) == 2
    stack.remove_cloud_objects(keystone_admin)


def _json(line: bytes) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(line)
    return data


def _scalars(message: Any) -> list[Any]:
    return values(message)


def test_stack_path_is_private(make_stack: MakeStack) -> None:
    stack = make_stack([])
    assert Path(stack.settings_path).stat().st_mode & 0o077 == 0


def test_the_tui_going_away_mid_run_finishes_and_records_the_run(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([])
    s = stack.suffix
    stack.store.append_rows(FORM, [access_row(email=f"lea.{s}@example.org", new_project=f"l-{s}")])
    backend = RawBackend(stack.settings_path)
    backend.call("hello", {"operator": "alice"})
    [request] = backend.call("list_access")["result"]["requests"]
    rows = [{"row": request["row"], "fingerprint": request["fingerprint"]}]
    proc = backend.proc
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"id": 3, "op": "provision", "params": {"rows": rows}}).encode())
    proc.stdin.write(b"\n")
    proc.stdin.close()  # the TUI is gone: no more input ...
    assert proc.stdout.readline()  # ... once the run has started,
    proc.stdout.close()  # nobody reads the events or the reply either
    assert proc.wait(120) == 0
    assert [r[4] for r in stack.tabs()[ACCESS_DONE][1:]] == [f"lea.{s}@example.org"]
    assert len(stack.mail.wait_for(3)) == 3
    log = (stack.settings.state_dir / "backend.log").read_text()
    assert '"message": "end"' in log
    stack.remove_cloud_objects(keystone_admin)
