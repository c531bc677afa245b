"""`bench/login.py` keeps working: one repeat over the real sshd, sudo and backend prints every
figure (the figures themselves are not asserted). Needs root, like the other sshd tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.sshd import require_root_tools

ROOT = Path(__file__).resolve().parents[2]
MS = r"\s+min\s+\d+ ms\s+median\s+\d+ ms"

pytestmark = pytest.mark.e2e


def test_the_login_bench_prints_its_figures() -> None:
    require_root_tools()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "login.py"), "--repeats", "1", "--rows", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "1 interleaved repeats, 2 pending rows" in out, out
    assert re.search(r"floor: ssh \S+@127\.0\.0\.1 true", out), out
    for label in ("floor", "login to first screen"):
        assert re.search(rf"  {re.escape(label)}{MS}", out), label
    assert re.search(r"ratio login/floor\s+min \d+\.\d+x\s+median \d+\.\d+x", out), out
    for label in (
        "ssh connect, auth, session",
        "wrapper (start to exec)",
        "TUI import and start, to sudo",
        "sudo to the backend",
        "backend import, settings, session",
        "hello + first list reply",
        "rows painted",
    ):
        assert re.search(rf"  {re.escape(label)}\s+-?\d+ ms", out), label
    for label in (
        "python -I -S start and exit",
        "backend import (moc_tui.backend.server)",
        "backend settings load",
        "TUI import (moc_tui.tui.app)",
    ):
        assert re.search(rf"  {re.escape(label)}{MS}", out), label
    for who in ("backend", "TUI"):
        assert re.search(rf"heaviest {who} imports: \w+ \d+ ms", out), who
