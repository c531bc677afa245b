"""Read-only operators on a deployed host (real accounts, the real sudoers rule, a private sshd):
the viewer's key logs in to a TUI whose header says read-only, and the backend started the way
the TUI starts it (helpdesk -> sudo -> service user) refuses a raw `provision` line of a viewer.
The role comes from the root-owned operator map the backend reads itself; the TUI sends none."""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moc_tui.backend.roles import Role
from moc_tui.host.keys import add_key, parse_public_key
from tests.fixtures.sshd import OPERATOR, HelpdeskHost, deployed_host, fill_sheet
from tests.reset_form import PIN
from tests.sample_rows import access_row

pytestmark = pytest.mark.e2e
VIEWER = "vera"


@pytest.fixture(scope="module")
def host() -> Iterator[HelpdeskHost]:
    for host in deployed_host():
        key = host.prefix / "viewer_key"
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", "v@laptop"],
            check=True,
        )
        layout = host.layout
        viewer = parse_public_key(Path(f"{key}.pub").read_text(), VIEWER)
        add_key(
            layout.keys_file, layout.operators_map, viewer, layout.forced_command, None, Role.VIEWER
        )
        fill_sheet(layout, [access_row(pin=PIN)])
        yield host


def raw_backend(host: HelpdeskHost, operator: str, *lines: dict[str, Any]) -> list[Any]:
    """The backend over sudo as the helpdesk account, fed raw protocol lines (no TUI at all)."""
    argv = ["/usr/bin/sudo", "-n", "-u", host.layout.service_user, "--", str(host.layout.backend)]
    hello = {"id": 1, "op": "hello", "params": {"operator": operator}}
    stdin = b"".join(json.dumps(line).encode() + b"\n" for line in (hello, *lines))
    result = host.as_user(host.user, argv, stdin)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_viewer_lists_but_the_backend_refuses_a_raw_provision(host: HelpdeskHost) -> None:
    hello, listing = raw_backend(host, VIEWER, {"id": 2, "op": "list_access"})
    assert hello["result"]["read_only"] is True
    [row] = listing["result"]["requests"]
    ref = {"row": row["row"], "fingerprint": row["fingerprint"]}
    _, plan, provision = raw_backend(
        host,
        VIEWER,
        {"id": 2, "op": "plan_access", "params": {"rows": [ref]}},
        {"id": 3, "op": "provision", "params": {"rows": [ref]}},
    )
    assert plan.get("error", {}).get("code") != "read_only"  # reading is allowed
    assert provision["ok"] is False
    assert provision["error"] == {"code": "read_only", "message": f"operator {VIEWER} is read-only"}
    # the operator beside her is not read-only; a name the map does not hold gets nothing
    [alice] = raw_backend(host, OPERATOR)
    assert alice["result"]["read_only"] is False
    [stranger] = raw_backend(host, "mallory")
    assert stranger["error"]["code"] == "unknown_operator"


def test_the_viewers_tui_over_ssh_says_read_only(host: HelpdeskHost) -> None:
    key = host.prefix / "viewer_key"
    session = host.open_terminal(" ".join(shlex.quote(a) for a in host.ssh_args("-tt", key=key)))
    screen = host.wait_screen(session, "pending rows: 1", timeout=60)
    screen = host.wait_screen(session, "read-only")
    assert f"operator: {VIEWER}" in screen
    footer = screen.strip().splitlines()[-1]
    assert "Filter" in footer and "Provision" not in footer and "Edit" not in footer
    host.tmux("send-keys", "-t", session, "Space")
    host.wait_screen(session, "1 selected")
    host.tmux("send-keys", "-t", session, "p")  # hidden: nothing is planned
    host.tmux("send-keys", "-t", session, "q")
    screen = host.wait_screen(session, "SSH-EXIT=0")
    assert "Provision 1" not in screen
