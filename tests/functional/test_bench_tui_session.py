"""`bench/tui_session.py` keeps its promise: a TUI session (list, plan, one provision of every
confirmed row, list) makes as many Sheets requests for 2 rows as for 1, route by route."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.keystone


def test_a_tui_session_costs_the_same_sheets_requests_for_one_row_or_two(
    request: pytest.FixtureRequest,
) -> None:
    pytest.importorskip("keystone")
    assert request.config.cache is not None
    cache = Path(request.config.cache.mkdir("keystone-template"))
    argv = [sys.executable, str(ROOT / "bench" / "tui_session.py"), "--rows", "1,2",
            "--flow", "batch", "--cache", str(cache)]  # fmt: skip
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL, check=False
    )
    out = result.stdout
    assert result.returncode == 0, (out + result.stderr)[-3000:]
    sessions = re.split(r"^N=\d+: ", out, flags=re.MULTILINE)[1:]
    assert len(sessions) == 2, out
    totals = [int(s.split(" ", 1)[0]) for s in sessions]
    assert "1 of 1 rows done" in sessions[0] and "2 of 2 rows done" in sessions[1], out
    routes = [re.findall(r"^\s+(\d+)\s+(\S+ \S+)$", s, flags=re.MULTILINE) for s in sessions]
    assert routes[0] and routes[0] == routes[1], out
    assert totals[0] == totals[1] == sum(int(n) for n, _ in routes[0]), out
    assert "(same for every N: yes)" in out
