"""The TUI in a real pseudo-terminal: its size comes from the terminal it is on (not from a
piped stdout), a huge terminal is clamped (memory stays bounded), a crash exits non-zero."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from moc_tui.tui.app import CRASH_LINE
from moc_tui.tui.terminal import MAX_COLUMNS, MAX_LINES
from tests.fixtures.tui_local import settings_with_pending
from tests.waiting import wait_until

RSS_LIMIT_MIB = 400  # the TUI at 500x200 with a few rows uses about a third of this
ROOT = Path(__file__).resolve().parents[2]


def set_size(fd: int, columns: int, lines: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))


class Pty:
    """A child process on a new pty (its controlling terminal); the output is drained."""

    def __init__(self, argv: list[str], columns: int, lines: int, *, pipe_stdout: bool) -> None:
        self.master, slave = os.openpty()
        set_size(slave, columns, lines)
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=subprocess.PIPE if pipe_stdout else slave,
            stderr=slave,
            env=env,
            cwd=ROOT,
            start_new_session=True,  # a session of its own: the pty becomes its terminal
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)
        self.output = bytearray()
        self._lock = threading.Lock()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def text(self, start: int = 0) -> str:
        with self._lock:
            return self.output[start:].decode("utf-8", "replace")

    def mark(self) -> int:
        with self._lock:
            return len(self.output)

    def resize(self, columns: int, lines: int) -> None:
        set_size(self.master, columns, lines)  # the kernel sends SIGWINCH to the TUI

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self.master)


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    return settings_with_pending(tmp_path, 3)


def dev_entry(settings: Path) -> list[str]:
    return [sys.executable, "-m", "moc_tui.tui", "--config", str(settings), "--operator", "bob"]


SIZE_REPORT = """
import sys
from moc_tui.protocol.client import BackendClient, dev_command
from moc_tui.tui.app import HelpdeskTui

async def report(pilot):
    await pilot.pause()
    with open(sys.argv[2], "w") as out:
        out.write(f"{pilot.app.size.width}x{pilot.app.size.height}")
    pilot.app.exit()

HelpdeskTui("bob", lambda: BackendClient(dev_command(sys.argv[1]))).run(auto_pilot=report)
"""


@pytest.fixture
def run_pty() -> Iterator[list[Pty]]:
    started: list[Pty] = []
    yield started
    for pty in started:
        pty.stop()


@pytest.mark.parametrize(
    ("columns", "lines", "expected"),
    [(123, 37, "123x37"), (65535, 65535, f"{MAX_COLUMNS}x{MAX_LINES}")],
)
def test_the_size_comes_from_the_terminal_even_with_stdout_piped(
    settings: Path, tmp_path: Path, run_pty: list[Pty], columns: int, lines: int, expected: str
) -> None:
    report = tmp_path / "size"
    argv = [sys.executable, "-c", SIZE_REPORT, str(settings), str(report)]
    pty = Pty(argv, columns, lines, pipe_stdout=True)  # as in `./scripts/demo | tee log`
    run_pty.append(pty)
    assert pty.process.wait(timeout=120) == 0, pty.text()
    assert report.read_text() == expected


def test_a_huge_terminal_is_clamped_and_memory_stays_bounded(
    settings: Path, run_pty: list[Pty]
) -> None:
    pty = Pty(dev_entry(settings), 65535, 65535, pipe_stdout=False)
    run_pty.append(pty)
    peak = [0.0]

    def drawn_since(mark: int) -> bool:
        peak[0] = max(peak[0], pty.rss_mib())
        assert peak[0] < RSS_LIMIT_MIB, f"RSS {peak[0]:.0f} MiB at a 65535x65535 terminal"
        assert pty.process.poll() is None, pty.text()[-2000:]
        return "pending rows: 3" in pty.text(mark)

    wait_until(lambda: drawn_since(0), 120, "the first screen")
    for columns, lines in ((200, 50), (65535, 65535), (80, 24), (65535, 1), (80, 24)):
        mark = pty.mark()
        pty.resize(columns, lines)
        if lines == 1:  # no room for the counts line: any repaint will do (still alive, bounded)
            wait_until(lambda m=mark: pty.mark() > m and drawn_since(0), 60, "a repaint at 1 line")  # type: ignore[misc]
            continue
        wait_until(lambda m=mark: drawn_since(m), 60, f"a repaint at {columns}x{lines}")  # type: ignore[misc]
    assert peak[0] < RSS_LIMIT_MIB


CRASHING = """
import sys
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.__main__ import main

def broken(self):
    raise ZeroDivisionError("a bug")

PendingScreen.on_mount = broken
sys.exit(main(sys.argv[1:]))
"""


def test_an_unexpected_error_exits_non_zero_with_one_line(
    settings: Path, run_pty: list[Pty]
) -> None:
    argv = [sys.executable, "-c", CRASHING, "--config", str(settings), "--operator", "bob"]
    pty = Pty(argv, 100, 30, pipe_stdout=False)
    run_pty.append(pty)
    assert pty.process.wait(timeout=120) == 1
    wait_until(lambda: CRASH_LINE in pty.text(), 10, "the crash line")
    assert "Traceback" not in pty.text() and "a bug" not in pty.text()
