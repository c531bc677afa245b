"""Quota requests and password resets through the backend, against the real stack."""

from __future__ import annotations

import json
import re

import pytest

from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import FormUser, can_log_in
from tests.fixtures.stack import MakeStack
from tests.raw_backend import RawBackend
from tests.reset_form import PIN, PIN_ALONE, file_reset_form
from tests.sample_rows import quota_row
from tests.tab_names import FORM

pytestmark = pytest.mark.keystone


def test_quota_requests_list_plan_apply(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([], quota_rows=[])
    s = stack.suffix
    project = keystone_admin.cleanup(
        keystone_admin.client.projects.create(name=f"q-{s}", domain="default")
    )
    assert stack.quota_store is not None
    stack.quota_store.append_rows(
        FORM,
        [quota_row(email=f"pi.{s}@example.org", project=f"q-{s}", cores="40", timestamp="t1")],
    )
    backend = RawBackend(stack.settings_path)
    try:
        backend.call("hello", {"operator": "alice"})
        [request] = backend.call("list_quota")["result"]["requests"]
        assert request["requested"] == {"cores": 40} and request["project"] == f"q-{s}"
        rows = [{"row": request["row"], "fingerprint": request["fingerprint"]}]
        [plan] = backend.call("plan_quota", {"rows": rows})["result"]["plans"]
        assert plan["ok"] and [c["name"] for c in plan["changes"]] == ["cores"]
        applied = backend.call("apply_quota", {"rows": rows}, rid=9)["result"]
        again = backend.call("apply_quota", {"rows": rows})
    finally:
        backend.close()
    assert applied["done"] == [2] and applied["applied"]["2"]["cores"] == 40
    # moved: nothing is done twice; the row fails alone, saying it is no longer pending
    assert again["result"]["done"] == [] and again["result"]["cancelled"] == []
    [stale] = again["result"]["failed"]
    assert stale["row"] == 2 and stale["step"] == "changed"
    assert "no longer a pending request" in stale["message"]
    assert stack.quota_service.quotas("compute", project.id)["cores"] == 40


def test_a_reset_through_the_backend_by_reference_then_a_rerun_asks(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    """No PIN crosses the wire (only the ticket's reference, never echoed); the user sets a
    password with the PIN from the form; a second reset minutes later needs `again`."""
    stack = make_stack([])
    s = stack.suffix
    address = f"dora.{s}@mail.example.org"
    user = keystone_admin.cleanup(
        keystone_admin.client.users.create(
            name=f"dora.{s}@example.org", domain="default", email=address, password="Old-Passw0rd-x"
        )
    )
    reference = file_reset_form(stack, user.name)
    backend = RawBackend(stack.settings_path)
    try:
        backend.call("hello", {"operator": "alice"})
        params = {"username": f"Dora.{s}@example.org", "reference": reference}
        answer = backend.call("reset_password", params, rid=5)
        asked = backend.call("reset_password", params)
        bad = backend.call("reset_password", {**params, "reference": "x", "again": True})
        pin_field = backend.call("reset_password", {**params, "pin": PIN})
        confirmed = backend.call("reset_password", {**params, "again": True})
    finally:
        status, stderr = backend.close()
    assert status == 0
    result = answer["result"]
    assert result["ok"] and result["mailed_to"] == address and not result["needs_confirmation"]
    assert asked["result"]["needs_confirmation"] and not asked["result"]["ok"]
    assert "was reset less than a minute ago by alice" in asked["result"]["message"]
    assert bad["result"]["ok"] is False and "10 letters" in bad["result"]["message"]
    assert pin_field["error"]["code"] == "bad_params"  # the PIN has no way in any more
    assert confirmed["result"]["ok"]
    _first, second = [m for m in stack.mail.wait_for(3) if m.rcpt_tos == (address,)]

    log = [json.loads(line) for line in (stack.settings.state_dir / "backend.log").open()]
    for entry in log:  # a pid or a time could hold the PIN by chance; nothing else may be
        entry.pop("pid", None)
        entry.pop("at", None)
    everything = b"".join(backend.lines) + stderr + json.dumps(log).encode()
    assert not PIN_ALONE.search(everything)
    assert reference.encode() not in everything and b"token=" not in everything
    link = re.search(r"http://127\.0\.0\.1:\d+/\?token=([\w-]+)", second.text)
    assert link is not None
    assert link.group(1).encode() not in everything
    browser = FormUser()
    browser.open(link.group(0))
    assert browser.set_password(link.group(0), PIN, "A-new-Passw0rd").status_code == 200
    assert can_log_in(keystone_admin, user.id, "A-new-Passw0rd")
