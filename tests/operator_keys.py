"""Operators' SSH keys for tests: a fresh ed25519 key pair, and the login wrapper key lines force.

The key-file tests and the role tests both register real keys (parsed and fingerprinted by
ssh-keygen), so they make them the same way.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# The command a registered key is forced to run (`command="..."` in the key line).
WRAPPER = "/usr/local/bin/helpdesk-login"


def new_key(tmp_path: Path, name: str) -> str:
    """A new key pair, `name` and `name.pub` in tmp_path; the public key's text."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is missing (apt-get install openssh-client)")
    path = tmp_path / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path), "-C", "x@y"], check=True
    )
    return (tmp_path / f"{name}.pub").read_text()
