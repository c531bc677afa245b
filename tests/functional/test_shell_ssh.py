"""Over real ssh with the operator's key: the session lands in the program and nowhere else.

Runs against a deployed host (tests/fixtures/sshd.py): real accounts, the real sudoers rule, a
private sshd with the generated drop-in, the wrapper, the TUI and the backend through sudo.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.sshd import (
    ADMIN_CANARY,
    OPERATOR,
    HelpdeskHost,
    deployed_host,
    fill_sheet,
    free_port,
)
from tests.reset_form import PIN
from tests.sample_rows import access_row
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def helpdesk_host() -> Iterator[HelpdeskHost]:
    yield from deployed_host()


MARKER = Path("/tmp/hd-pwned-marker")

# security.md §7 #40-50: what a client may ask sshd to run instead of the program
HOSTILE_COMMANDS: list[str | bytes] = [
    "bash -i",
    "/bin/sh",
    "sh -c id",
    "/usr/lib/openssh/sftp-server",
    "internal-sftp",
    "scp -f /etc/moc-tui/settings.ini",
    "scp -t /var/lib/helpdesk-home/.profile",
    "rsync --server -vlogDtpre.iLsfxC . /",
    f"() {{ :; }}; /bin/bash -c 'touch {MARKER}'",
    "helpdesk-login --operator admin",
    "--operator=root",
    f"tui; touch {MARKER}",
    f"tui && touch {MARKER}",
    "tui | sh",
    f"$(touch {MARKER})",
    f"`touch {MARKER}`",
    f"tui\ntouch {MARKER}",
    "python3 -c 'import pty;pty.spawn(\"/bin/bash\")'",
    "env LD_PRELOAD=/tmp/x.so helpdesk",
    "TEXTUAL=devtools helpdesk",
    "A" * (100 * 1024),
    b"\xff\xfe",
    "\x1b]2;x\x07",
    "git-upload-pack '/srv/x'",
]


@pytest.fixture
def host(helpdesk_host: HelpdeskHost) -> HelpdeskHost:
    MARKER.unlink(missing_ok=True)
    return helpdesk_host


@pytest.fixture(scope="module", autouse=True)
def _rows(helpdesk_host: HelpdeskHost) -> None:
    fill_sheet(
        helpdesk_host.layout,
        [
            access_row(pin=PIN, first_name="[@click=app.quit]Eve[/]"),
            access_row(email="bob@example.org", timestamp="t2", new_project="bobs"),
            # an escape sequence that would retitle the terminal if it reached it raw
            access_row(email="eve\x1b]2;PWNED\x07@example.org", timestamp="t3"),
        ],
    )


@pytest.mark.parametrize("command", HOSTILE_COMMANDS, ids=lambda c: repr(c)[:30])
def test_a_client_command_is_refused(host: HelpdeskHost, command: str | bytes) -> None:
    result = host.ssh(command=[command])
    assert result.returncode == 64, result
    assert b"refused" in result.stderr
    assert b"\x1b" not in result.stderr and len(result.stderr) < 600
    assert not MARKER.exists()


def test_no_terminal_is_refused(host: HelpdeskHost) -> None:
    result = host.ssh("-T")
    assert result.returncode == 65 and b"terminal is required" in result.stderr


def test_file_transfer_fails(host: HelpdeskHost) -> None:
    target = host.prefix / "target"
    target.write_text("secret")
    common = [
        "-P",
        str(host.port),
        "-i",
        str(host.op_key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        f"UserKnownHostsFile={host.prefix}/known_hosts",
    ]
    remote = f"{host.user}@127.0.0.1"
    sftp = subprocess.run(
        ["sftp", "-b", "-", *common, remote],
        input=f"get {target} {host.prefix}/got1\n".encode(),
        capture_output=True,
        timeout=20,
        check=False,
    )
    scp = subprocess.run(
        ["scp", *common, f"{remote}:{target}", f"{host.prefix}/got2"],
        capture_output=True,
        timeout=20,
        check=False,
    )
    legacy = subprocess.run(
        ["scp", "-O", *common, f"{remote}:{target}", f"{host.prefix}/got3"],
        capture_output=True,
        timeout=20,
        check=False,
    )
    assert sftp.returncode != 0 and scp.returncode != 0 and legacy.returncode != 0
    assert not list(host.prefix.glob("got*"))


def test_forwarding_fails(host: HelpdeskHost) -> None:
    local = free_port()
    forward = subprocess.Popen(
        [*host.ssh_args("-N", "-L", f"127.0.0.1:{local}:127.0.0.1:{host.port}")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def tunnel_open() -> bool:
            try:
                socket.create_connection(("127.0.0.1", local), 0.2).close()
            except OSError:
                return False
            return True

        wait_until(tunnel_open, 15, "the local end of the tunnel")
        with socket.create_connection(("127.0.0.1", local), 5) as channel:
            channel.settimeout(5)
            assert channel.recv(64) == b""  # the server refused the channel: no sshd banner
    finally:
        forward.kill()
        forward.wait(10)
    wait_until(lambda: "refused local port forward" in host.sshd_log.read_text(), 10, "log")
    remote = host.ssh("-o", "ExitOnForwardFailure=yes", "-N", "-R", "127.0.0.1:0:127.0.0.1:22")
    assert remote.returncode != 0
    stdio = host.ssh("-W", f"127.0.0.1:{host.port}")
    assert stdio.returncode != 0


def ui_environment(host: HelpdeskHost) -> dict[str, str]:
    """The environment of the running TUI process of the helpdesk user."""
    import pwd

    uid = pwd.getpwnam(host.user).pw_uid
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if str(host.layout.ui).encode() in argv:
                raw = (entry / "environ").read_bytes()
        except OSError:
            continue
        else:
            if str(host.layout.ui).encode() in argv:
                pairs = [item.split("=", 1) for item in raw.decode().split("\0") if "=" in item]
                return dict(pairs)
    raise AssertionError("no TUI process found")


def test_session_lands_in_the_program_with_a_clean_environment(host: HelpdeskHost) -> None:
    env_payload = (
        "LD_PRELOAD=/nonexistent.so PYTHONPATH=/tmp PYTHONSTARTUP=/tmp/x.py TEXTUAL=devtools "
        "TEXTUAL_DRIVER=antigravity:X BROWSER=/tmp/x.sh LC_ALL=$(id) LANG=x;id LANGUAGE=x"
    )
    command = " ".join([*map(_quote, host.ssh_args("-tt", "-A", "-o", f"SetEnv={env_payload}"))])
    session = host.open_terminal(command, env={"TERM": f"xterm$(touch {MARKER})", "DISPLAY": ":99"})
    screen = host.wait_screen(session, "pending rows: 3")
    assert f"operator: {OPERATOR}" in screen and "cloud: 127.0.0.1" in screen
    assert "eve\\x1b]2;PWNED\\x07@example.org" in screen  # shown as an escape, literally
    assert "PWNED" not in host.tmux("display-message", "-p", "-t", session, "#{pane_title}")
    env = ui_environment(host)
    assert set(env) == {
        "TERM",
        "LANG",
        "LC_ALL",
        "HOME",
        "PATH",
        "MOC_TUI_OPERATOR",
        "MOC_TUI_SESSION",
    }
    assert env["TERM"] == "xterm-256color" and env["LANG"] == env["LC_ALL"] == "C.UTF-8"
    assert env["HOME"] == "/nonexistent" and env["MOC_TUI_OPERATOR"] == OPERATOR
    # keys that would suspend, interrupt or open the palette do nothing
    for key in ("Escape", "C-z", "C-c", "C-\\", "C-p", "F1"):
        host.tmux("send-keys", "-t", session, key)
    host.wait_screen(session, "pending rows: 3")  # still the program
    host.tmux("send-keys", "-t", session, "C-q")
    screen = host.wait_screen(session, "SSH-EXIT=0")
    # the program quit itself (a suspended one could not have): no shell prompt came up
    assert not re.search(r"^\S*[$#] ", screen.split("SSH-EXIT=0")[0], re.MULTILINE)
    assert ADMIN_CANARY not in screen and PIN not in screen
    assert not MARKER.exists()
    log = host.login_log.read_text()
    assert re.search(rf"event=start .*operator={OPERATOR} key=SHA256:", log)
    assert "Accepted publickey" in host.sshd_log.read_text()


def _quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def test_helpdesk_account_cannot_reach_the_secrets(host: HelpdeskHost) -> None:
    layout = host.layout
    for path in (layout.settings, layout.config_dir / "service-account.json"):
        result = host.as_user(host.user, ["/bin/cat", str(path)])
        assert result.returncode != 0 and b"Permission denied" in result.stderr
    listing = host.as_user(host.user, ["/usr/bin/sudo", "-n", "-l"]).stdout.decode()
    rules = listing.split("may run the following commands")[1].splitlines()[1:]
    assert [rule.strip() for rule in rules if rule.strip()] == [
        f'({layout.service_user}) NOPASSWD: {layout.backend} ""'
    ]
    sudo = ["/usr/bin/sudo", "-n", "-u", layout.service_user]
    for argv in (
        [*sudo, str(layout.backend), "--config", "/tmp/evil.ini"],
        [*sudo, "-E", str(layout.backend)],
        [*sudo, "--preserve-env=PYTHONPATH", str(layout.backend)],
        [*sudo, "/bin/cat", str(layout.settings)],
    ):
        # PYTHONPATH is set, so --preserve-env has something to preserve (sudo must refuse)
        assert host.as_user(host.user, argv, PYTHONPATH="/tmp").returncode != 0, argv


def test_backend_over_sudo_refuses_group_readable_settings(host: HelpdeskHost) -> None:
    layout = host.layout
    argv = ["/usr/bin/sudo", "-n", "-u", layout.service_user, "--", str(layout.backend)]
    hello = b'{"id": 1, "op": "hello", "params": {"operator": "alice"}}\n'
    ok = host.as_user(host.user, argv, hello)
    assert ok.returncode == 0 and json.loads(ok.stdout)["result"]["service_user"] == (
        layout.service_user
    )
    layout.settings.chmod(0o640)
    try:
        refused = host.as_user(host.user, argv, hello)
        session = host.open_terminal(" ".join(map(_quote, host.ssh_args("-tt"))))
        screen = host.wait_screen(session, "cannot start")
        host.tmux("send-keys", "-t", session, "q")
        host.wait_screen(session, "SSH-EXIT=0")
    finally:
        layout.settings.chmod(0o600)
    assert refused.returncode == 78
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "startup" and "chmod 600" in error["message"]
    assert ADMIN_CANARY.encode() not in refused.stdout + refused.stderr
    assert "cannot start" in screen and ADMIN_CANARY not in screen


def test_no_secret_in_ps_or_logs_also_when_the_backend_fails(host: HelpdeskHost) -> None:
    layout = host.layout
    argv = ["/usr/bin/sudo", "-n", "-u", layout.service_user, "--", str(layout.backend)]
    proc = subprocess.Popen(
        [
            "/usr/bin/setpriv",
            f"--reuid={host.user}",
            f"--regid={host.user}",
            "--init-groups",
            *argv,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.stdin is not None and proc.stdout is not None
    requests = [
        {"id": 1, "op": "hello", "params": {"operator": OPERATOR}},
        {
            "id": 2,
            "op": "reset_password",
            "params": {"username": "u@example.org", "reference": "7K3QX-9W2HD"},
        },
        {"id": 3, "op": "list_access"},
    ]
    replies: list[bytes] = []

    def send(request: dict[str, Any]) -> dict[str, Any]:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(request).encode() + b"\n")
        proc.stdin.flush()
        replies.append(proc.stdout.readline())
        ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, check=True).stdout
        assert b"7K3QX-9W2HD" not in ps and ADMIN_CANARY.encode() not in ps
        answer: dict[str, Any] = json.loads(replies[-1])
        return answer

    answers = [send(request) for request in requests]
    # the cloud is unreachable: the reset fails inside the core, planning fails in the backend
    assert answers[1]["result"]["ok"] is False
    bob = answers[2]["result"]["requests"][1]
    rows = [{"row": bob["row"], "fingerprint": bob["fingerprint"]}]
    planned = send({"id": 4, "op": "plan_access", "params": {"rows": rows}})
    assert planned["ok"] is False and planned["error"]["code"] == "internal"
    proc.stdin.close()
    assert proc.wait(30) == 0
    stderr = proc.stderr.read() if proc.stderr else b""
    everything = b"".join(replies) + stderr + (layout.state_dir / "backend.log").read_bytes()
    everything += host.login_log.read_bytes() + host.sshd_log.read_bytes()
    assert ADMIN_CANARY.encode() not in everything and b"CANARY-KEY-FILE" not in everything
    for line in (layout.state_dir / "backend.log").read_text().splitlines():
        entry = json.loads(line)
        entry.pop("pid", None)
        entry.pop("at", None)
        assert "7K3QX" not in json.dumps(entry)


def test_environment_from_a_key_line_is_ignored(host: HelpdeskHost) -> None:
    """#54: a hand-edited key line with environment="LD_PRELOAD=..." (PermitUserEnvironment no)."""
    key = host.prefix / "env_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    public = Path(f"{key}.pub").read_text().split()
    line = (
        'environment="LD_PRELOAD=/nonexistent-preload.so",restrict,pty,'
        f'command="{host.layout.forced_command} --operator alice" {public[0]} {public[1]} alice\n'
    )
    before = host.layout.keys_file.read_text()
    host.layout.keys_file.write_text(before + line)
    try:
        result = host.ssh(command=["probe"], key=key)
    finally:
        host.layout.keys_file.write_text(before)
    assert result.returncode == 64  # it logged in and reached the wrapper ...
    assert b"ld.so" not in result.stderr and b"preload" not in result.stderr.lower()  # ... clean
