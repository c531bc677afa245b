"""Benchmark the TUI with a long pending list: first screen, filter keystroke, memory.

    .venv/bin/python bench/tui.py [--rows 5000] [--size 100x30] [--keystrokes ada.lo]

Seeds a local sheet store with `--rows` approved, notified access requests (one in fifty with
a problem, so the status column is mixed) and measures what an operator sees, in a real terminal:
the development entry (`python -m moc_tui.tui --config ...`, the backend as its child process;
listing needs no Keystone) runs in a tmux pane of `--size`, and the bench reads the pane.

- first screen: from starting the command until the pane shows the counts of every row
  (interpreter start, imports, backend start, `hello` + `list_access`, table built and painted);
- filter: per keystroke typed into the `/` filter, from sending the key until the pane shows
  the new counts (the table is rebuilt in the same handler, before that paint); then the time
  for Escape to bring every row back;
- memory: peak RSS of the TUI process and of the backend process, and the Python heap the
  table's rows hold (tracemalloc, in-process under Textual's Pilot, a separate pass).

The pane is polled every few milliseconds, so the figures include up to ~10 ms of polling.
Needs tmux (Debian: apt-get install tmux; `./scripts/test` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402

from moc_tui.backend.client import BackendClient, dev_command  # noqa: E402
from moc_tui.core.settings.columns import ACCESS_COLUMNS  # noqa: E402
from moc_tui.core.sheets.local import LocalSheetStore  # noqa: E402
from moc_tui.tui.app import HelpdeskTui  # noqa: E402
from moc_tui.tui.screens.pending import PendingScreen  # noqa: E402

FORM, CURRENT = "Form Responses 1", "Current Users"
FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
SETTINGS = """[auth]
auth_url = http://127.0.0.1:9/v3
admin_user = admin
admin_pwd = unused-by-listing
admin_project = admin

[setpass]
setpass_url = http://127.0.0.1:9/

[excelsheet]
local_store = {store}

[state]
directory = {state}
"""


def request_row(i: int) -> list[str]:
    """An approved, notified request; every fiftieth asks for a reserved project name."""
    first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i // 8 % len(LAST_NAMES)]
    values = {
        "approved": "Approved",
        "notified": "01 Nov 2026 10:00:00",
        "timestamp": "11/1/2026 9:00:00",
        "email": f"{first.lower()}.{last.lower()}{i}@example.org",
        "first_name": first,
        "last_name": last,
        "has_account": "No",
        "organization": "Example University",
        "role": "Student",
        "sponsor": "Prof. Example",
        "pin": f"{i % 10000:04d}",
        "new_project": "admin" if i % 50 == 0 else f"research-{i}",
        "description": "Course work",
    }
    return [values.get(field, "") for field in ACCESS_COLUMNS]


def seed(home: Path, rows: int) -> Path:
    """A local sheet store with `rows` pending requests and a settings file pointing at it."""
    store = LocalSheetStore(home / "access.db")
    store.ensure_tabs([FORM, CURRENT])
    header = list(ACCESS_COLUMNS.values())
    store.append_rows(FORM, [header, *[request_row(i) for i in range(rows)]])
    store.append_rows(CURRENT, [header])
    settings = home / "settings.ini"
    settings.write_text(SETTINGS.format(store=home / "access.db", state=home / "state"))
    settings.chmod(0o600)
    return settings


async def until(pilot: Pilot[None], condition: Callable[[], bool], timeout: float) -> None:
    """Let the app run until `condition` holds (the in-process pass)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the TUI did not get there in time")
        await pilot.pause(0.005)


class Pane:
    """One tmux server on a private socket and one pane running the TUI."""

    def __init__(self, size: tuple[int, int]) -> None:
        tmux = shutil.which("tmux")
        if tmux is None:
            raise SystemExit("bench/tui.py needs tmux (Debian: apt-get install tmux)")
        self.tmux_path = tmux
        self.socket = f"moc-tui-bench-{os.getpid()}"
        self.size = size

    def tmux(self, *args: str) -> str:
        command = [self.tmux_path, "-L", self.socket, *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def start(self, command: str) -> float:
        """Start `command` in a new pane; returns the perf_counter time it was started at."""
        columns, lines = self.size
        started = time.perf_counter()
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            "tui",
            "-x",
            str(columns),
            "-y",
            str(lines),
            # COLUMNS/LINES pin the app's size: started from pytest, it drew at 80x24 in a
            # 100x30 pane (cause not found); the terminal size read from the environment is sure
            f"cd {shlex.quote(str(ROOT))} && COLUMNS={columns} LINES={lines} TERM=xterm-256color "
            f"exec {command}",
        )
        return started

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "tui")

    def wait(self, predicate: Callable[[str], bool], timeout: float = 120) -> float:
        """Poll the pane until `predicate` holds; returns the perf_counter time it did."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate(self.text()):
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the pane never matched; it shows:\n{self.text()}")
            time.sleep(0.002)

    def keys(self, *keys: str, literal: bool = False) -> float:
        sent = time.perf_counter()
        self.tmux("send-keys", "-t", "tui", *(["-l"] if literal else []), *keys)
        return sent

    def processes(self) -> tuple[int, int]:
        """(TUI pid, backend pid): the pane's process and its child."""
        tui = int(self.tmux("display-message", "-p", "-t", "tui", "#{pane_pid}").strip())
        tasks = Path(f"/proc/{tui}/task").iterdir()  # the backend is started by a worker thread
        children = [c for t in tasks for c in (t / "children").read_text().split()]
        return tui, int(children[0]) if children else 0

    def kill(self) -> None:
        """Stop the server and remove its socket file (kill-server leaves it behind)."""
        subprocess.run([self.tmux_path, "-L", self.socket, "kill-server"], capture_output=True)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"  # noqa: S108 (tmux's own default)
        (folder / self.socket).unlink(missing_ok=True)


def shows(needle: str) -> Callable[[str], bool]:
    return lambda text: needle in text


def rss_kib(pid: int, key: str = "VmHWM") -> int:
    """Peak (VmHWM) or current (VmRSS) resident memory of a process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def measure(settings: Path, rows: int, size: tuple[int, int], typed: str) -> dict[str, float]:
    """Timings and RSS of the dev entry in a tmux pane."""
    figures: dict[str, float] = {}
    everything = f"pending rows: {rows} "
    pane = Pane(size)
    command = shlex.join(
        [sys.executable, "-m", "moc_tui.tui", "--config", str(settings), "--operator", "bench"]
    )
    try:
        started = pane.start(command)
        shown = pane.wait(shows(everything))
        figures["first_screen_s"] = shown - started
        pane.keys("/")
        pane.wait(shows("filter: name"))  # the filter box's placeholder
        timings = []
        for n, key in enumerate(typed, start=1):
            sent = pane.keys(key, literal=True)
            shown = pane.wait(shows(f"filter: {typed[:n]} ("))
            timings.append(shown - sent)
        figures["filter_first_key_s"] = timings[0]
        figures["filter_median_key_s"] = statistics.median(timings)
        figures["filter_max_key_s"] = max(timings)
        last = pane.text()
        match = re.search(r"\((\d+) of \d+\)", last)
        if match is None:
            raise RuntimeError(f"the counts line shows no filter count:\n{last}")
        figures["filter_visible_rows"] = float(match.group(1))
        sent = pane.keys("Escape")
        shown = pane.wait(lambda text: everything in text and "filter:" not in text)
        figures["filter_clear_s"] = shown - sent
        tui, backend = pane.processes()
        figures["tui_peak_rss_mib"] = rss_kib(tui) / 1024
        if backend:
            figures["backend_peak_rss_mib"] = rss_kib(backend) / 1024
        pane.keys("C-q")
    finally:
        pane.kill()
    return figures


async def heap_of_rows(settings: Path, rows: int, size: tuple[int, int]) -> float:
    """MiB of Python heap allocated while the table loads `rows` (second pass, traced)."""
    app = HelpdeskTui("bench", lambda: BackendClient(dev_command(settings)))
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PendingScreen), 30)
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await until(pilot, lambda: bool(screen.link.hello_info), 60)
        tracemalloc.start()
        baseline = tracemalloc.take_snapshot()
        screen.action_reload()
        await until(pilot, lambda: screen.table.row_count == rows, 120)
        await pilot.pause()
        grown = tracemalloc.take_snapshot().compare_to(baseline, "filename")
        tracemalloc.stop()
    return sum(stat.size_diff for stat in grown) / 2**20


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--size", default="100x30", help="terminal COLSxLINES")
    parser.add_argument("--keystrokes", default="ada.lo", help="typed into the filter")
    args = parser.parse_args(argv)
    columns, lines = (int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="moc-tui-bench-") as tmp:
        settings = seed(Path(tmp), args.rows)
        figures = measure(settings, args.rows, (columns, lines), args.keystrokes)
        figures["table_heap_mib"] = asyncio.run(heap_of_rows(settings, args.rows, (columns, lines)))
    print(f"TUI with {args.rows} pending rows at {columns}x{lines} (real backend, in tmux)")
    print(f"  first screen              {figures['first_screen_s']:7.2f} s")
    typed = args.keystrokes
    print(
        f"  filter, typing {typed!r} ({len(typed)} keys, ends at "
        f"{int(figures['filter_visible_rows'])} rows)"
    )
    print(f"    first key to repaint    {figures['filter_first_key_s'] * 1000:7.0f} ms")
    print(f"    median key to repaint   {figures['filter_median_key_s'] * 1000:7.0f} ms")
    print(f"    slowest key to repaint  {figures['filter_max_key_s'] * 1000:7.0f} ms")
    print(f"    clear (all rows back)   {figures['filter_clear_s'] * 1000:7.0f} ms")
    print("  memory")
    print(f"    TUI peak RSS            {figures['tui_peak_rss_mib']:7.1f} MiB")
    if "backend_peak_rss_mib" in figures:
        print(f"    backend peak RSS        {figures['backend_peak_rss_mib']:7.1f} MiB")
    print(f"    heap held by the rows   {figures['table_heap_mib']:7.1f} MiB")
    per_row = figures["table_heap_mib"] * 2**20 / max(args.rows, 1)
    print(f"    per row                 {per_row / 1024:7.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
