"""Benchmark the operator's login: ssh to the first screen with the rows, against `ssh host true`.

    sudo .venv/bin/python bench/login.py [--repeats 5] [--rows 3]

Needs root, like the sshd tests: it deploys a helpdesk host exactly as they do
(`tests/fixtures/sshd.py`: throwaway accounts, `setup-host` into a temporary prefix, the real
sudoers rule, a private sshd on 127.0.0.1) with `--rows` pending rows in the local store. Then,
interleaved, `--repeats` times each (after one warm-up of each, not counted):

- floor: `ssh plain@127.0.0.1 true` with the operator's key to the same sshd. The helpdesk
  account's forced command refuses any command, so the floor logs in to a second, ordinary
  account on that sshd (same key, a shell, no forced command);
- login: `ssh -tt helpdesk@127.0.0.1` in a tmux pane (a real terminal) until the pane's counts
  line shows every row: sshd, the wrapper, the TUI, sudo, the backend, `hello` + `list_access`.

It prints min / median of each and their ratio, then where a login's time goes (medians), from
process start times (/proc, 10 ms ticks), the login log's write time and the backend log's lines,
and, measured apart as the two accounts, the interpreter start, the imports and the settings load.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from tests.fixtures.sshd import HelpdeskHost, deployed_host, fill_sheet, plain_account  # noqa: E402
from tests.sample_rows import access_row  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
SEGMENTS = (
    ("ssh connect, auth, session", "launched", "session"),
    ("wrapper (start to exec)", "session", "wrapper_logged"),
    ("TUI import and start, to sudo", "wrapper_logged", "sudo"),
    ("sudo to the backend", "sudo", "backend"),
    ("backend import, settings, session", "backend", "backend_ready"),
    ("hello + first list reply", "backend_ready", "listed"),
    ("rows painted", "listed", "shown"),
)


@dataclass
class Figures:
    floor: list[float] = field(default_factory=list)
    login: list[float] = field(default_factory=list)
    segments: dict[str, list[float]] = field(default_factory=dict)


def booted_at() -> float:
    """Wall-clock time of boot, for /proc start times (counted in ticks since boot)."""
    return time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)


def processes() -> Iterator[tuple[list[str], float]]:
    """(argv, wall-clock start) of every process; start times have 1/CLK_TCK resolution."""
    boot = booted_at()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            ticks = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[19])
        except (OSError, IndexError, ValueError):
            continue
        yield argv, boot + ticks / TICK


class BackendLog:
    """The backend log's new lines, each stamped with the file's write time when it was read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0
        self.lines: list[tuple[dict[str, object], float]] = []

    def poll(self) -> None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return
        if info.st_size <= self.offset:
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.splitlines():
            with contextlib.suppress(ValueError):
                self.lines.append((json.loads(line), info.st_mtime_ns / 1e9))

    def first(self, match: Callable[[dict[str, object]], bool]) -> float | None:
        return next((stamp for entry, stamp in self.lines if match(entry)), None)


def floor_once(host: HelpdeskHost, user: str) -> float:
    started = time.perf_counter()
    result = host.ssh(command=["true"], user=user)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the floor ssh failed: {result.stderr.decode(errors='replace')}")
    return elapsed


def login_once(host: HelpdeskHost, rows: int) -> tuple[float, dict[str, float]]:
    """One login in a new pane; returns the time to the full counts line and the marks."""
    everything = f"pending rows: {rows} "
    log = BackendLog(host.layout.state_dir / "backend.log")
    command = " ".join(shlex.quote(a) for a in host.ssh_args("-tt"))
    marks = {"launched": time.time()}
    started = time.perf_counter()
    session = host.open_terminal(command)
    deadline = started + 60
    while True:
        log.poll()
        if everything in host.tmux("capture-pane", "-p", "-t", session):
            elapsed = time.perf_counter() - started
            marks["shown"] = time.time()
            break
        if time.perf_counter() > deadline:
            raise SystemExit(f"the rows never showed; the pane:\n{host.screen(session)}")
        time.sleep(0.001)
    marks.update(process_marks(host, marks["launched"]))
    marks["wrapper_logged"] = host.login_log.stat().st_mtime_ns / 1e9
    log.poll()
    for name, match in (
        ("backend_ready", lambda e: e.get("message") == "start"),
        ("listed", lambda e: e.get("message") == "op" and e.get("op") == "list_access"),
    ):
        stamp = log.first(match)
        if stamp is not None:
            marks[name] = stamp
    host.tmux("send-keys", "-t", session, "q")
    host.wait_screen(session, "SSH-EXIT=")
    host.tmux("kill-session", "-t", session)
    return elapsed, marks


def process_marks(host: HelpdeskHost, since: float) -> dict[str, float]:
    """Start times of this session's TUI (the wrapper's process), sudo and backend."""
    ui, backend = str(host.layout.ui), str(host.layout.backend)
    found: dict[str, float] = {}
    for argv, start in processes():
        if start < since - 1 / TICK:
            continue
        if ui in argv:
            name = "session"
        elif backend in argv:
            name = "sudo" if argv[0] == "/usr/bin/sudo" else "backend"
        else:
            continue
        found[name] = max(found.get(name, start), start)
    return found


def add_segments(figures: Figures, marks: dict[str, float]) -> None:
    for label, start, end in SEGMENTS:
        if start in marks and end in marks:
            figures.segments.setdefault(label, []).append(marks[end] - marks[start])


def launcher_path(launcher: Path) -> list[str]:
    """The folders an installed launcher adds to sys.path (it runs with -I -S)."""
    for line in launcher.read_text(encoding="utf-8").splitlines():
        if line.startswith("sys.path.extend("):
            path: list[str] = ast.literal_eval(line[len("sys.path.extend(") : -1])
            return path
    raise SystemExit(f"no sys.path line in {launcher}")


def timed_python(host: HelpdeskHost, user: str, code: str) -> tuple[float, list[float], str]:
    """Run `code` with the launchers' interpreter and flags as `user`; (wall, its printed
    figures, its -X importtime report)."""
    python = host.layout.python
    started = time.perf_counter()
    result = host.as_user(user, [python, "-I", "-S", "-X", "importtime", "-c", code])
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{code!r} failed: {result.stderr.decode(errors='replace')[-2000:]}")
    return wall, [float(x) for x in result.stdout.split()], result.stderr.decode()


def heaviest(importtime: str, count: int = 5) -> str:
    """The top-level packages that took longest to import (cumulative), from -X importtime."""
    totals: dict[str, int] = {}
    for line in importtime.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].strip()
            if "." not in name:
                totals[name] = max(totals.get(name, 0), int(parts[1]))
    top = sorted(totals.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{name} {micros / 1000:.0f} ms" for name, micros in top)


def apart(host: HelpdeskHost, repeats: int) -> list[tuple[str, list[float]]]:
    """Interpreter start, imports and settings load measured on their own, as on the host."""
    backend_code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        f"sys.path.extend({launcher_path(host.layout.backend)!r})\n"
        "import moc_tui.backend.server\n"
        "u = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from moc_tui.core.settings import load_settings\n"
        f"load_settings(Path({str(host.layout.settings)!r}))\n"
        "print(u - t, time.perf_counter() - u)\n"
    )
    ui_code = (
        "import sys, time\n"
        "t = time.perf_counter()\n"
        f"sys.path.extend({launcher_path(host.layout.ui)!r})\n"
        "import moc_tui.tui.app\n"
        "print(time.perf_counter() - t)\n"
    )
    figures: dict[str, list[float]] = {}
    reports = {"backend": "", "TUI": ""}
    for _ in range(repeats):
        wall, (imported, loaded), reports["backend"] = timed_python(
            host, host.layout.service_user, backend_code
        )
        figures.setdefault("python -I -S start and exit", []).append(wall - imported - loaded)
        figures.setdefault("backend import (moc_tui.backend.server)", []).append(imported)
        figures.setdefault("backend settings load", []).append(loaded)
        _, (ui_imported,), reports["TUI"] = timed_python(host, host.user, ui_code)
        figures.setdefault("TUI import (moc_tui.tui.app)", []).append(ui_imported)
    for who, report in reports.items():
        print(f"  heaviest {who} imports: {heaviest(report)}")
    return list(figures.items())


def seconds(values: list[float]) -> str:
    return f"min {min(values) * 1000:7.0f} ms   median {statistics.median(values) * 1000:7.0f} ms"


def compile_checkout(python: str) -> None:
    """Byte-compile the checkout the launchers import from, as a package install does: the
    service and helpdesk accounts cannot write its __pycache__, and would compile every start."""
    folders = [str(ROOT / name) for name in ("moc_tui", "setpass_client")]
    subprocess.run([python, "-m", "compileall", "-q", *folders], check=True)


def run(repeats: int, rows: int) -> None:
    with contextlib.contextmanager(deployed_host)() as host, plain_account(host) as plain:
        compile_checkout(host.layout.python)
        fill_sheet(
            host.layout,
            [access_row(email=f"bench{i}@example.org", new_project=f"b{i}") for i in range(rows)],
        )
        figures = Figures()
        floor_once(host, plain)  # warm-up: caches, sshd's first fork, the tmux server
        login_once(host, rows)
        for _ in range(repeats):
            figures.floor.append(floor_once(host, plain))
            elapsed, marks = login_once(host, rows)
            figures.login.append(elapsed)
            add_segments(figures, marks)
        floor, login = figures.floor, figures.login
        print(f"login bench: {repeats} interleaved repeats, {rows} pending rows, 127.0.0.1")
        print(f"  floor: ssh {plain}@127.0.0.1 true (a plain account, same sshd and key)")
        print(f"  floor                {seconds(floor)}")
        print(f"  login to first screen {seconds(login)}")
        print(
            f"  ratio login/floor     min {min(login) / min(floor):.2f}x   median "
            f"{statistics.median(login) / statistics.median(floor):.2f}x"
        )
        print("where a login's time goes (medians; process starts are 10 ms ticks):")
        for label, _, _ in SEGMENTS:
            values = figures.segments.get(label)
            shown = f"{statistics.median(values) * 1000:7.0f} ms" if values else "    n/a"
            print(f"  {label:<36} {shown}")
        print("measured apart, as the host's accounts (min / median):")
        for label, values in apart(host, repeats):
            print(f"  {label:<40} {seconds(values)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=3)
    args = parser.parse_args()
    try:
        run(max(1, args.repeats), max(1, args.rows))
    except pytest.skip.Exception as skipped:
        print(f"bench/login.py cannot run here: {skipped.msg}", file=sys.stderr)
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
