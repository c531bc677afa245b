"""Read-only operators: the backend reads the role from the operator map itself and refuses
every mutating op of a viewer, whatever the client sends (raw protocol lines, no TUI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from moc_tui.backend.roles import Role, parse_roles
from moc_tui.core.journal import Journal
from moc_tui.core.settings import load_settings
from moc_tui.host.keys import add_key, parse_public_key, read_keys, remove_operator
from moc_tui.protocol.wire import MUTATING
from tests.backend_settings import local_settings
from tests.operator_keys import WRAPPER, new_key
from tests.reset_form import PIN
from tests.sample_rows import access_row

FP = "SHA256:" + "A" * 43
ZEROS = "0" * 64
# one valid request per mutating op: a viewer is refused before any of them is looked at
MUTATING_PARAMS: dict[str, dict[str, Any]] = {
    "edit_access_field": {"row": 2, "fingerprint": ZEROS, "field": "role", "value": "Student"},
    "provision": {"rows": [{"row": 2, "fingerprint": ZEROS}]},
    "hold_access": {"row": 2, "fingerprint": ZEROS, "kind": "held", "reason": "blank role"},
    "release_access": {"row": 2, "fingerprint": ZEROS},
    "ack_error": {"error_id": 1},
    "apply_quota": {"rows": [{"row": 2, "fingerprint": ZEROS}]},
    "reset_password": {"username": "u@example.org", "reference": "7K3QX-9W2HD"},
}


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the operator map must be root-owned: run as root")


def backend_lines(config: Path, operators: Path, lines: list[dict[str, Any]]) -> list[Any]:
    argv = [sys.executable, "-I", "-m", "moc_tui", "backend", "--config", str(config)]
    result = subprocess.run(
        [*argv, "--operators", str(operators)],
        input=b"".join(json.dumps(line).encode() + b"\n" for line in lines),
        capture_output=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def operator_map(tmp_path: Path, text: str, mode: int = 0o644) -> Path:
    path = tmp_path / "operators"
    path.write_text(text, encoding="ascii")
    path.chmod(mode)
    return path


def test_every_mutating_op_has_a_refusal_case() -> None:
    assert set(MUTATING_PARAMS) == MUTATING


def test_a_viewer_lists_but_every_mutating_op_is_refused(tmp_path: Path) -> None:
    needs_root()
    config = local_settings(tmp_path, [access_row(pin=PIN)])
    operators = operator_map(tmp_path, f"# map\n{FP} alice\n{FP[:-1]}B vera viewer\n")
    requests = [
        {"id": 1, "op": "hello", "params": {"operator": "vera"}},
        {"id": 2, "op": "list_access"},
    ]
    requests += [
        {"id": 10 + n, "op": op, "params": params}
        for n, (op, params) in enumerate(MUTATING_PARAMS.items())
    ]
    hello, listing, *refusals = backend_lines(config, operators, requests)
    assert hello["result"]["read_only"] is True and hello["result"]["operator"] == "vera"
    assert [r["row"] for r in listing["result"]["requests"]] == [2]
    for answer in refusals:
        assert answer["ok"] is False, answer
        assert answer["error"] == {"code": "read_only", "message": "operator vera is read-only"}
    # the session's audit record names the role; nothing else was journaled for vera
    journal = Journal(load_settings(config).state_dir / "journal.sqlite3")
    sessions = [r for r in journal.audit_trail(None) if r.operator == "vera"]
    assert [(r.action, r.detail["role"]) for r in sessions] == [("session", "viewer")]


def test_operators_keep_every_op_and_unknown_names_are_refused(tmp_path: Path) -> None:
    needs_root()
    config = local_settings(tmp_path, [access_row(pin=PIN)])
    operators = operator_map(tmp_path, f"{FP} alice\n")  # a two-column map stays valid
    alice, ack = backend_lines(
        config,
        operators,
        [
            {"id": 1, "op": "hello", "params": {"operator": "alice"}},
            {"id": 2, "op": "ack_error", "params": {"error_id": 99}},
        ],
    )
    assert alice["result"]["read_only"] is False
    assert ack["ok"] is True and ack["result"] == {"acknowledged": False}
    [stranger, after] = backend_lines(
        config,
        operators,
        [
            {"id": 1, "op": "hello", "params": {"operator": "mallory"}},
            {"id": 2, "op": "provision", "params": MUTATING_PARAMS["provision"]},
        ],
    )
    assert stranger["error"]["code"] == "unknown_operator"
    assert "not in the operator map" in stranger["error"]["message"]
    assert after["error"]["code"] == "hello_first"


def test_a_map_others_can_write_is_refused_for_everybody(tmp_path: Path) -> None:
    needs_root()
    config = local_settings(tmp_path, [])
    operators = operator_map(tmp_path, f"{FP} alice\n", mode=0o666)
    [hello] = backend_lines(
        config, operators, [{"id": 1, "op": "hello", "params": {"operator": "alice"}}]
    )
    assert hello["error"]["code"] == "unknown_operator"
    assert "only root can write" in hello["error"]["message"]


def test_viewer_wins_and_odd_lines_are_skipped() -> None:
    text = f"{FP} bob\n{FP} bob viewer\n{FP} Bad;name viewer\n# {FP} eve\n{FP} carl admin\n"
    assert parse_roles(text) == {"bob": Role.VIEWER, "carl": Role.OPERATOR}


def test_operator_add_viewer_writes_the_role_and_keeps_it(tmp_path: Path) -> None:
    keys, mapping = tmp_path / "helpdesk.keys", tmp_path / "operators"
    add_key(keys, mapping, parse_public_key(new_key(tmp_path, "a"), "alice"), WRAPPER)
    vera = parse_public_key(new_key(tmp_path, "v"), "vera")
    add_key(keys, mapping, vera, WRAPPER, role=Role.VIEWER)
    assert f"{vera.fingerprint} vera viewer\n" in mapping.read_text()
    # a second key of a viewer must say so; the files are left as they were
    before = mapping.read_text()
    with pytest.raises(Exception, match="registered as viewer: add the key with --viewer"):
        add_key(keys, mapping, parse_public_key(new_key(tmp_path, "v2"), "vera"), WRAPPER)
    assert mapping.read_text() == before
    # rewriting the files for another operator keeps vera's role
    add_key(keys, mapping, parse_public_key(new_key(tmp_path, "b"), "bob"), WRAPPER)
    assert remove_operator(keys, mapping, "alice") == 1
    assert parse_roles(mapping.read_text()) == {"vera": Role.VIEWER, "bob": Role.OPERATOR}
    assert [k.operator for _, k in read_keys(keys)] == ["vera", "bob"]
