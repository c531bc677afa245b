"""The operators' key file generator and the deployable config files."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from moc_tui.host.keys import (
    OperatorKeyError,
    add_key,
    parse_public_key,
    read_keys,
    remove_operator,
)
from moc_tui.host.layout import Layout
from tests.operator_keys import WRAPPER, new_key

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_lines_map_and_duplicates(tmp_path: Path) -> None:
    keys, mapping = tmp_path / "helpdesk.keys", tmp_path / "operators"
    alice = parse_public_key(new_key(tmp_path, "a"), "alice")
    bob_text = new_key(tmp_path, "b")
    add_key(keys, mapping, alice, WRAPPER)
    add_key(keys, mapping, parse_public_key(bob_text, "bob"), WRAPPER, "20271231")
    lines = [line for line, _ in read_keys(keys)]
    assert lines[0].startswith(f'restrict,pty,command="{WRAPPER} --operator alice" ssh-ed25519 ')
    assert lines[0].endswith(" alice")  # the key's own comment is dropped
    assert ',expiry-time="20271231" ' in lines[1]
    fingerprint = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "a.pub")], capture_output=True, text=True
    ).stdout.split()[1]
    assert f"{fingerprint} alice" in mapping.read_text()
    # the same key again, for anyone: refused, the files unchanged
    before = keys.read_text()
    with pytest.raises(OperatorKeyError, match="already registered to alice"):
        add_key(keys, mapping, parse_public_key(new_key_text(tmp_path, "a"), "mallory"), WRAPPER)
    assert keys.read_text() == before
    assert remove_operator(keys, mapping, "alice") == 1
    assert [k.operator for _, k in read_keys(keys)] == ["bob"]
    assert fingerprint not in mapping.read_text()
    assert oct(keys.stat().st_mode & 0o777) == "0o644"


def new_key_text(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.pub").read_text()


@pytest.mark.parametrize(
    ("text", "operator", "message"),
    [
        ("ssh-ed25519 AAAA x", "Alice", "operator names"),
        ("ssh-ed25519 AAAA x", "alice;id", "operator names"),
        ("ssh-dss AAAA x", "alice", "not accepted"),
        ("ssh-ed25519 !!!! x", "alice", "base64"),
        ("", "alice", "exactly one"),
        ("ssh-ed25519 a\nssh-ed25519 b", "alice", "exactly one"),
        (f"ssh-ed25519 {base64.b64encode(b'not a key').decode()}", "alice", "does not match"),
    ],
)
def test_bad_keys_are_refused(text: str, operator: str, message: str) -> None:
    with pytest.raises(OperatorKeyError, match=message):
        parse_public_key(text, operator)


def test_config_files_are_the_default_renderings() -> None:
    layout = Layout()
    assert (CONFIG / "sshd" / "50-moc-tui.conf").read_text() == layout.sshd_text()
    assert (CONFIG / "sudoers" / "moc-tui-helpdesk").read_text() == layout.sudoers_text()
    assert (CONFIG / "accounts" / "moc-tui-login.conf").read_text() == layout.login_text()
    assert layout.sudoers_rule() == (
        'helpdesk ALL=(moc-tools) NOPASSWD: /usr/local/libexec/moc-tui-backend ""'
    )


def test_sudoers_file_passes_visudo() -> None:
    if not Path("/usr/sbin/visudo").exists():
        pytest.skip("sudo is not installed")
    result = subprocess.run(
        ["/usr/sbin/visudo", "-c", "-f", str(CONFIG / "sudoers" / "moc-tui-helpdesk")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
