"""`bench/tui.py` keeps working: a small run in real tmux panes (the TUI through the Sheets fake,
then the minimal app) prints every figure and the ratios (the figures themselves are not
asserted)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_tui_bench_prints_its_figures() -> None:
    command = [sys.executable, str(ROOT / "bench" / "tui.py"), "--rows", "70", "--size", "80x24"]
    result = subprocess.run(
        [*command, "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "70 pending rows through the Sheets fake, 80x24 tmux pane" in out, out
    assert re.search(r"(4\d|[5-9]\d) keystrokes", out), out  # at least 40
    for label in ("first screen", "keystroke p50", "keystroke p95", "keystroke max"):
        # the TUI, the DataTable floor, the window floor, then the two ratios
        figures = r"(\s+\d+(\.\d+)?){3}\s+\d+\.\d+x\s+\d+\.\d+x"
        assert re.search(rf"{label}\s+m?s{figures}", out), label
    for label in ("peak RSS, UI", "peak RSS, backend"):
        assert re.search(rf"{re.escape(label)}\s+MiB\s+\d+\.\d", out), label
