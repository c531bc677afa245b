"""`bench/tui.py` keeps working: a small run in a real tmux pane prints every figure, and the
filter it types ends on the rows that match (the figures themselves are not asserted)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_tui_bench_prints_its_figures() -> None:
    # 70 rows: "ada.lo" matches Ada Lovelace at rows 0 and 64 of the generated requests
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tui.py"), "--rows", "70", "--size", "80x24"],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "TUI with 70 pending rows at 80x24" in out
    assert "ends at 2 rows" in out, out
    for label in (
        "first screen",
        "first key to repaint",
        "clear (all rows back)",
        "TUI peak RSS",
        "backend peak RSS",
        "heap held by the rows",
    ):
        assert re.search(rf"{re.escape(label)}\s+\d+(\.\d+)? (s|ms|MiB)", out), label
