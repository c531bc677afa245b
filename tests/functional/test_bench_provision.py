"""`bench/provision.py` keeps working: a small run on a Keystone past its 1,000-entry cap prints
every figure, with the counts the goals ask for (timings are printed, never asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.keystone


def test_the_provision_bench_prints_its_figures(request: pytest.FixtureRequest) -> None:
    pytest.importorskip("keystone")
    assert request.config.cache is not None
    cache = Path(request.config.cache.mkdir("keystone-template"))
    argv = [sys.executable, str(ROOT / "bench" / "provision.py"), "--crowd", "1100",
            "--few", "20", "--requests", "2", "--end-to-end", "3", "--repeats", "1",
            "--cache", str(cache)]  # fmt: skip
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL, check=False
    )
    out = result.stdout
    assert result.returncode == 0, (out + result.stderr)[-3000:]
    assert "GET /v3/users answers 1000 and GET /v3/projects 1000" in out
    assert "per new user + new project: 5 (goal <= 5)" in out
    assert "per existing user joining a project: 3 (goal <= 3)" in out
    assert out.count("tokens: 1") == 2
    assert "SMTP connections per run: 1 for 6 mails" in out
    # the engine's commit boundary: 7 per new user + project, 3 per joining user, 1 per run
    for label, per_request in (("new user + new project", 7), ("existing user joining", 3)):
        line = rf"journal commits .*, 2 requests \({re.escape(label)}\): (\d+),"
        [commits] = re.findall(line, out)
        assert 0 < int(commits) <= 2 * per_request + 1
    assert "CRASH (sheet untouched): Conflict" in out  # the original's duplicate-user crash
    assert "ERROR No Project found in Keystone with name: seed-project-" in out
    assert out.count("  ours: exit 0, done") == 3
    [(few, many)] = re.findall(
        r"Sheets requests per CLI run: (\d+) for 2 rows, (\d+) for 3 rows",
        out,
    )
    assert few == many
    for label in (
        "ours at 1100 vs 20 users",
        "ours vs the original's way at 1100 users",
        "ours vs the minimal whole job",
    ):
        assert re.search(rf"{re.escape(label)}: min [\d.]+ s vs [\d.]+ s = [\d.]+x, median", out)
