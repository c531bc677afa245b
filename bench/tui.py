"""Benchmark the TUI at its floor: first screen, filter keystrokes and memory, beside a minimal app.

    .venv/bin/python bench/tui.py [--rows 5000] [--size 100x30] [--repeats 3]

Production's path, in a real terminal: the Sheets fake on 127.0.0.1 holds `--rows` approved,
notified access requests (one in fifty asks for a reserved project name) and the TUI runs in a
tmux pane, started as the login wrapper starts it (`moc_tui.tui.__main__.run` with a backend
command shaped like the installed launcher, minus sudo): the backend reads the sheet through the
Google store (real gspread and google-auth against the fake).

Beside it, two floors: minimal Textual apps in the same pane size that read the same tab through
the same store in-process and show the same six columns with an Input filter and a counts line:
"DataTable" (a plain DataTable, cleared and refilled with the matching rows on each keystroke,
the straightforward app) and "window" (only the matching rows that fit on screen, as the lines
of one Static: no table can do less per keystroke). The three run interleaved, `--repeats` times
each; the figures are medians over the repeats, and the ratios TUI / floor are printed.

- first screen: from starting the command until the pane shows the counts of every row;
- keystrokes: each of the KEYS typed into the `/` filter (narrowing and widening the visible
  set by thousands of rows, backspaces included), from sending the key until the pane shows the
  filter's new counts; p50 / p95 / max over all of them;
- memory: peak RSS (VmHWM) of the TUI and of its backend, and of each floor app.

The pane is polled every 2 ms, so the figures include a little polling. Needs tmux.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moc_tui.core.settings.columns import ACCESS_COLUMNS  # noqa: E402
from moc_tui.devstack.sheets_api import FakeSheetsServer  # noqa: E402
from moc_tui.devstack.sheets_auth import write_key_file  # noqa: E402

FORM, CURRENT = "Form Responses 1", "Current Users"
FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
# 46 keys: each word narrows 5,000 rows to hundreds (or about a hundred), its backspaces widen
# them back to thousands; "BSpace" is tmux's name for the key.
WORDS = ["ada", "knuth", "research-42", ".org"]
KEYS = [key for word in WORDS for key in [*word, *["BSpace"] * len(word)]]
SETTINGS = """[auth]
auth_url = http://127.0.0.1:9/v3
admin_user = admin
admin_pwd = unused-by-listing
admin_project = admin

[setpass]
setpass_url = http://127.0.0.1:9/

[excelsheet]
auth_file = {key_file}
worksheet_key = {sheet}
api_base = {api}

[state]
directory = {state}
"""
# The TUI as the login wrapper starts it; the backend as the installed launcher starts it.
TUI = """
import sys
from moc_tui.tui.__main__ import run
backend = [sys.executable, "-I", "-c",
           "import sys; from pathlib import Path; from moc_tui.backend.server import run; "
           "sys.exit(run(Path(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer))", sys.argv[1]]
sys.exit(run("bench", backend))
"""
FLOOR = """
import sys
from moc_tui.core.settings import load_settings
from moc_tui.core.sheets import open_store
from textual.app import App
from textual.widgets import DataTable, Footer, Input, Static

WIDTHS = (1, 13, 4, 28, 20, 20)
WINDOW = sys.argv[2] == "window"  # only the rows that fit on screen, as lines of one Static

class Floor(App):
    AUTO_FOCUS = None  # "/" opens the filter, as in the TUI
    CSS = "#rows { height: 1fr; } #counts { height: 1; } #filter { margin: 0 1; }"

    def compose(self):
        yield Static(" cloud: floor  sheet: Form Responses 1")
        yield Input(placeholder="filter: name, email, project", id="filter")
        yield Static(id="rows") if WINDOW else DataTable(cursor_type="row", id="rows")
        yield Static("", id="counts")
        yield Footer()

    def on_mount(self):
        self.query_one(Input).display = False
        if not WINDOW:
            table = self.query_one(DataTable)
            for label, width in zip((" ", "Status", "Row", "Email", "Name", "Project"), WIDTHS):
                table.add_column(label, width=width)
            table.focus()
        store = open_store(load_settings(sys.argv[1]).access_sheet)
        rows = store.read_tabs(["Form Responses 1"])["Form Responses 1"][1:]
        self.rows = [(" ", "● ready", str(n), r[@EMAIL@], f"{r[@FIRST@]} {r[@LAST@]}",
                      r[@PROJECT@]) for n, r in enumerate(rows, start=2)]
        self.show("")

    def show(self, needle):
        kept = [r for r in self.rows if needle in "\\n".join(r).casefold()]
        if WINDOW:
            lines = kept[: max(self.size.height - 4, 1)]
            self.query_one("#rows", Static).update("\\n".join(
                "  ".join(v[:w].ljust(w) for v, w in zip(r, WIDTHS)) for r in lines))
        else:
            table = self.query_one(DataTable)
            table.clear()
            table.add_rows(kept)
        shown = f" · filter: {needle} ({len(kept)} of {len(self.rows)})" if needle else ""
        self.query_one("#counts", Static).update(
            f"pending rows: {len(self.rows)}{shown} · 0 selected")

    def on_key(self, event):
        if event.key == "slash":
            box = self.query_one(Input)
            box.display = True
            box.focus()
            event.stop()
        elif event.key == "ctrl+q":
            self.exit()

    def on_input_changed(self, event):
        self.show(event.value.casefold())

Floor().run()
"""


def floor_script() -> str:
    """FLOOR with the form's column positions filled in."""
    fields = list(ACCESS_COLUMNS)
    script = FLOOR
    for token, name in (("EMAIL", "email"), ("FIRST", "first_name"), ("LAST", "last_name")):
        script = script.replace(f"@{token}@", str(fields.index(name)))
    return script.replace("@PROJECT@", str(fields.index("new_project")))


def request_row(i: int) -> list[str]:
    """An approved, notified request; every fiftieth asks for a reserved project name."""
    first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i // 8 % len(LAST_NAMES)]
    values = {
        "approved": "Approved",
        "notified": "01 Nov 2026 10:00:00",
        "timestamp": f"11/1/2026 9:{i // 60 % 60:02d}:{i % 60:02d}",
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


def seed(home: Path, sheets: FakeSheetsServer, rows: int) -> Path:
    """A spreadsheet on the fake with `rows` pending requests and a settings file for it."""
    header = list(ACCESS_COLUMNS.values())
    sheet = sheets.create_spreadsheet(
        {FORM: [header, *[request_row(i) for i in range(rows)]], CURRENT: [header]}
    )
    key_file = write_key_file(home / "service-account.json", sheets.new_service_account())
    settings = home / "settings.ini"
    settings.write_text(
        SETTINGS.format(key_file=key_file, sheet=sheet, api=sheets.url, state=home / "state")
    )
    settings.chmod(0o600)
    return settings


class Pane:
    """One tmux server on a private socket and one pane running a command."""

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
            *("-f", "/dev/null", "new-session", "-d", "-s", "tui"),
            *("-x", str(columns), "-y", str(lines)),
            f"cd {shlex.quote(str(ROOT))} && TERM=xterm-256color exec {command}",
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

    def key(self, key: str) -> float:
        sent = time.perf_counter()
        self.tmux("send-keys", "-t", "tui", *(["-l"] if len(key) == 1 else []), key)
        return sent

    def processes(self) -> list[int]:
        """The pane's process and its children (the TUI's backend)."""
        first = int(self.tmux("display-message", "-p", "-t", "tui", "#{pane_pid}").strip())
        tasks = Path(f"/proc/{first}/task").iterdir()  # the backend may be started by a thread
        return [first, *(int(c) for t in tasks for c in (t / "children").read_text().split())]

    def kill(self) -> None:
        """Stop the server and remove its socket file (kill-server leaves it behind)."""
        subprocess.run([self.tmux_path, "-L", self.socket, "kill-server"], capture_output=True)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"  # noqa: S108 (tmux's own default)
        (folder / self.socket).unlink(missing_ok=True)


def rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def counts_line(text: str) -> str:
    return next((line for line in text.splitlines() if "pending rows:" in line), "")


def filter_shown(typed: str, rows: int) -> Callable[[str], bool]:
    """The counts line as it reads once the table shows the filter `typed`."""
    if typed:
        return lambda text: f"filter: {typed} (" in counts_line(text)
    return lambda text: "filter:" not in counts_line(text) and f"rows: {rows} " in text


def measure(
    script: str, settings: Path, rows: int, size: tuple[int, int], *extra: str
) -> dict[str, object]:
    """One run of `script` in a tmux pane: first screen, every keystroke, peak RSS."""
    pane = Pane(size)
    command = shlex.join([sys.executable, "-c", script, str(settings), *extra])
    try:
        started = pane.start(command)
        shown = pane.wait(lambda text: f"pending rows: {rows} " in text)
        first = shown - started
        pane.key("/")
        pane.wait(lambda text: "filter: name" in text)  # the filter box's placeholder
        typed, timings, visible = "", [], []
        for key in KEYS:
            typed = typed[:-1] if key == "BSpace" else typed + key
            sent = pane.key(key)
            timings.append(pane.wait(filter_shown(typed, rows)) - sent)
            match = re.search(r"\((\d+) of \d+\)", pane.text())
            visible.append(int(match.group(1)) if match else rows)
        rss = [rss_mib(pid) for pid in pane.processes()]
        pane.key("C-q")
    finally:
        pane.kill()
    return {"first": first, "keys": timings, "visible": visible, "rss": rss}


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(runs: list[dict[str, object]]) -> dict[str, float]:
    """Medians over the repeats of each run's first screen, p50 / p95 / max key, peak RSS."""
    per_run: list[dict[str, float]] = []
    for run in runs:
        keys = run["keys"]
        rss = run["rss"]
        assert isinstance(keys, list) and isinstance(rss, list)
        first = run["first"]
        assert isinstance(first, float)
        per_run.append(
            {
                "first": first,
                "p50": percentile(keys, 0.5),
                "p95": percentile(keys, 0.95),
                "max": max(keys),
                "rss_ui": rss[0],
                "rss_backend": max(rss[1:], default=0.0),
            }
        )
    return {name: statistics.median(r[name] for r in per_run) for name in per_run[0]}


VARIANTS = ("tui", "table", "window")
TITLES = {"tui": "TUI", "table": "DataTable", "window": "window"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--size", default="100x30", help="terminal COLSxLINES")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    size = (int(args.size.split("x")[0]), int(args.size.split("x")[1]))
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="moc-tui-bench-") as tmp, FakeSheetsServer() as sheets:
        settings = seed(Path(tmp), sheets, args.rows)
        for _ in range(args.repeats):  # interleaved: the shared machine's load hits all alike
            runs["tui"].append(measure(TUI, settings, args.rows, size))
            for floor in ("table", "window"):
                runs[floor].append(measure(floor_script(), settings, args.rows, size, floor))
    figures = {name: summary(runs[name]) for name in VARIANTS}
    visible = runs["tui"][0]["visible"]
    assert isinstance(visible, list)
    print(
        f"TUI vs minimal Textual apps, {args.rows} pending rows through the Sheets fake, "
        f"{args.size} tmux pane, median of {args.repeats} interleaved runs"
    )
    print(
        f"  {len(KEYS)} keystrokes typing {' / '.join(map(repr, WORDS))} and backspacing each "
        f"(visible rows between {min(visible)} and {max(visible)})"
    )
    print("  floors: DataTable = the same table, cleared and refilled per keystroke;")
    print("          window = only the rows that fit on screen, as lines of one Static")
    header = "".join(f"{TITLES[n]:>11}" for n in VARIANTS)
    print(f"  {'':22}{header}{'vs table':>10}{'vs window':>10}")
    for name, label, unit, scale in (
        ("first", "first screen", "s", 1),
        ("p50", "keystroke p50", "ms", 1000),
        ("p95", "keystroke p95", "ms", 1000),
        ("max", "keystroke max", "ms", 1000),
        ("rss_ui", "peak RSS, UI", "MiB", 1),
        ("rss_backend", "peak RSS, backend", "MiB", 1),
    ):
        values = [figures[n][name] * scale for n in VARIANTS]
        digits = 2 if unit == "s" else 0 if unit == "ms" else 1
        line = "".join(f"{v:11.{digits}f}" for v in values)
        ratios = "".join(f"{values[0] / v:9.2f}x" if v else "         -" for v in values[1:])
        print(f"  {label:18} {unit:>3}{line}{ratios}")
    for name in VARIANTS:
        firsts = ", ".join(f"{r['first']:.2f}" for r in runs[name])
        print(f"  {TITLES[name]} first screens: {firsts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
