"""The forced-command wrapper run directly: refusals, identity, and the environment it builds.

(The same wrapper behind a real sshd is tested in test_shell_ssh.py.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

WRAPPER = Path(__file__).resolve().parents[2] / "shell" / "helpdesk-login"
BLOB = base64.b64encode(b"\0\0\0\x0bssh-ed25519" + b"\0\0\0\x20" + b"k" * 32).decode()
FINGERPRINT = "SHA256:" + base64.b64encode(
    hashlib.sha256(base64.b64decode(BLOB)).digest()
).decode().rstrip("=")

PROBE = """\
import json, os, sys
with open(os.environ["MOC_TUI_SESSION"] and sys.argv[0] + ".out", "w") as out:
    json.dump({"argv": sys.argv[1:], "env": dict(os.environ), "flags": sys.flags.isolated}, out)
"""


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        pytest.skip("the wrapper trusts only root-owned configuration files")
    probe = tmp_path / "ui.py"
    probe.write_text(PROBE)
    (tmp_path / "operators").write_text(f"# map\n{FINGERPRINT} bob\n")
    (tmp_path / "login.conf").write_text(
        "[login]\n"
        f"python = {sys.executable}\n"
        f"ui = {probe}\n"
        "service_user = svc\n"
        "backend = /usr/local/libexec/moc-tui-backend\n"
        f"operators = {tmp_path / 'operators'}\n"
        f"log = {tmp_path / 'login.log'}\n"
    )
    (tmp_path / "auth").write_text(f"publickey ssh-ed25519 {BLOB}\n")
    return tmp_path


def run(
    setup: Path, env: dict[str, str], *args: str, tty: bool = True
) -> tuple[int, str, dict[str, Any] | None]:
    base = {"SSH_CONNECTION": "127.0.0.1 5000 127.0.0.1 22", "PATH": "/usr/bin:/bin"}
    argv = ["/usr/bin/python3", "-I", str(WRAPPER), "--config", str(setup / "login.conf"), *args]
    if tty:
        leader, follower = os.openpty()
        try:
            result = subprocess.run(
                argv,
                stdin=follower,
                stdout=follower,
                stderr=subprocess.PIPE,
                env={**base, **env},
                timeout=30,
                check=False,
            )
        finally:
            os.close(follower)
            os.close(leader)
    else:
        result = subprocess.run(
            argv, capture_output=True, env={**base, **env}, timeout=30, check=False
        )
    out = setup / "ui.py.out"
    probe = json.loads(out.read_text()) if out.exists() else None
    out.unlink(missing_ok=True)
    return result.returncode, result.stderr.decode(), probe


def test_starts_the_ui_with_an_allowlisted_environment(setup: Path) -> None:
    hostile = {
        "TERM": "xterm$(touch /tmp/pwn)",
        "LD_PRELOAD": "/tmp/x.so",
        "PYTHONPATH": "/tmp",
        "PYTHONSTARTUP": "/tmp/x.py",
        "TEXTUAL": "devtools,debug",
        "TEXTUAL_DRIVER": "antigravity:X",
        "BROWSER": "/tmp/x.sh",
        "LC_ALL": "$(id)",
        "LANG": "x;id",
        "HOME": "/var/lib/helpdesk-home",
        "SSH_USER_AUTH": str(setup / "auth"),
    }
    status, _, probe = run(setup, hostile, "--operator", "bob")
    assert status == 0 and probe is not None
    assert probe["flags"] == 1  # python -I
    assert probe["argv"][:2] == ["--operator", "bob"]
    assert probe["argv"][4:] == [
        "--backend-user",
        "svc",
        "--backend",
        "/usr/local/libexec/moc-tui-backend",
    ]
    env = probe["env"]
    assert set(env) == {
        "TERM",
        "LANG",
        "LC_ALL",
        "HOME",
        "PATH",
        "MOC_TUI_OPERATOR",
        "MOC_TUI_SESSION",
    }
    assert env["TERM"] == "xterm-256color" and env["HOME"] == "/nonexistent"
    log = (setup / "login.log").read_text()
    assert f"operator=bob key={FINGERPRINT}" in log


@pytest.mark.parametrize("term", ["../../tmp/x", "x" * 5000, "xterm\n", "vt100 -e sh"])
def test_hostile_term_is_replaced(setup: Path, term: str) -> None:
    _, _, probe = run(setup, {"TERM": term, "SSH_USER_AUTH": str(setup / "auth")})
    assert probe is not None and probe["env"]["TERM"] == "xterm-256color"


def test_a_good_term_is_kept(setup: Path) -> None:
    _, _, probe = run(setup, {"TERM": "screen-256color", "SSH_USER_AUTH": str(setup / "auth")})
    assert probe is not None and probe["env"]["TERM"] == "screen-256color"


def test_operator_from_the_fingerprint_map(setup: Path) -> None:
    _, _, probe = run(setup, {"SSH_USER_AUTH": str(setup / "auth")})
    assert probe is not None and probe["env"]["MOC_TUI_OPERATOR"] == "bob"


def test_identity_refusals(setup: Path) -> None:
    unknown = setup / "other-auth"
    unknown.write_text(f"publickey ssh-ed25519 {base64.b64encode(b'x' * 51).decode()}\n")
    assert run(setup, {"SSH_USER_AUTH": str(unknown)})[0] == 66
    assert run(setup, {})[0] == 66
    # the key line and the map disagree
    assert run(setup, {"SSH_USER_AUTH": str(setup / "auth")}, "--operator", "alice")[0] == 66
    assert run(setup, {}, "--operator", "Root;id")[0] == 66


def test_refusals_before_anything_runs(setup: Path) -> None:
    status, err, probe = run(setup, {"SSH_ORIGINAL_COMMAND": "bash -i\x1b]2;x\x07" + "y" * 500})
    assert status == 64 and probe is None
    assert "\x1b" not in err and "\\x1b" in err and len(err) < 400
    status, err, _ = run(setup, {"SSH_USER_AUTH": str(setup / "auth")}, tty=False)
    assert status == 65 and "terminal is required" in err
    outside_ssh = subprocess.run(
        ["/usr/bin/python3", "-I", str(WRAPPER), "--config", str(setup / "login.conf")],
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
        text=True,
    )
    assert outside_ssh.returncode == 64 and "forced command" in outside_ssh.stderr
    assert run(setup, {}, "--shell")[0] == 78


def test_a_config_others_can_write_is_refused(setup: Path) -> None:
    (setup / "login.conf").chmod(0o666)
    status, err, probe = run(setup, {"SSH_USER_AUTH": str(setup / "auth")})
    assert status == 78 and probe is None and "root-owned" in err


def test_the_wrapper_passes_ruff_and_strict_mypy() -> None:
    """It has no .py suffix, so the repo-wide runs do not see it; check it here."""
    bin_dir = Path(sys.executable).parent
    ruff = subprocess.run(
        [str(bin_dir / "ruff"), "check", str(WRAPPER)], capture_output=True, text=True, check=False
    )
    assert ruff.returncode == 0, ruff.stdout
    mypy = subprocess.run(
        [str(bin_dir / "mypy"), "--strict", "--no-incremental", str(WRAPPER)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert mypy.returncode == 0, mypy.stdout
