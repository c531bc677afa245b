"""An operator's walk at 80x24 in a real terminal (tmux) against the whole stack (issue 17):
filter, select, plan (scroll it), provision, a detail view, the errors log with readable times,
help in a dialog, quit."""

from __future__ import annotations

import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from moc_tui.core.journal import Journal
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack
from tests.fixtures.terminal import Terminal
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM
from tests.waiting import wait_for_value

pytestmark = pytest.mark.keystone
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def see(term: Terminal, predicate: Callable[[str], bool], timeout: float = 60) -> str:
    """The screen once `predicate` holds it; the failure shows the last screen."""
    try:
        return term.wait_for(predicate, timeout)
    except AssertionError as error:
        raise AssertionError(f"{error}; the screen:\n{term.screen()}") from None


@pytest.mark.e2e
def test_an_operators_walk_at_80x24(
    make_stack: MakeStack,
    keystone_admin: KeystoneAdmin,
    terminal: Terminal,
    tmp_path: Path,
) -> None:
    stack = make_stack([])
    s = stack.suffix
    wes, xan = f"wes.{s}@example.org", f"xan.{s}@example.org"
    stack.store.append_rows(
        FORM,
        [
            access_row(email=f"una.{s}@example.org", new_project="admin", timestamp="t0"),
            access_row(email=wes, new_project=f"w-{s}", timestamp="t1"),
            access_row(email=xan, new_project=f"x-{s}", timestamp="t2"),
        ],
    )
    journal = Journal(stack.settings.state_dir / "journal.sqlite3")
    try:
        journal.record_error("cron", "SMTP 451: try again later", email=wes, step="mail")
    finally:
        journal.close()
    command = shlex.join(
        [sys.executable, "-I", "-m", "moc_tui.tui", "--config", str(stack.settings_path),
         "--operator", "alice"]
    )  # fmt: skip
    exit_file = tmp_path / "tui-exit-status"
    terminal.tmux(
        "-f", "/dev/null", "new-session", "-d", "-s", "tui", "-x", "80", "-y", "24",
        f"cd {shlex.quote(str(tmp_path))} && TERM=xterm-256color {command}; "
        f"echo $? > {shlex.quote(str(exit_file))}",
    )  # fmt: skip
    terminal.tmux("set-option", "-t", "tui", "remain-on-exit", "on")
    see(terminal, lambda text: "1 problem · 2 ready" in text)
    # filter: either term, the counts line says the filter
    terminal.keys("/")
    see(terminal, lambda text: "filter: name, email, project, status" in text)  # box focused
    terminal.tmux("send-keys", "-t", "tui", "-l", "wes.|xan.")
    see(terminal, lambda text: "filter: wes.|xan. (2 of 3)" in text)
    terminal.keys("Enter")  # keeps the filter and hides its box: the keys go to the table
    see(terminal, lambda text: "▔" not in text and "filter: wes.|xan. (2 of 3)" in text)
    # select: space selects and moves down
    terminal.keys("Space", "Space")
    see(terminal, lambda text: text.count("✓  ● ready") == 2)
    # plan, scrolled to its end
    terminal.keys("p")
    screen = see(terminal, lambda text: "Provision 2 (y)" in text)
    terminal.keys("G")
    see(terminal, lambda text: text != screen and f"x-{s}" in text)
    terminal.keys("y")
    screen = see(terminal, lambda text: "finished:" in text, 180)
    assert "2 done" in screen, screen
    # a detail view of a progress row: the run's steps in full
    terminal.keys("d")
    see(terminal, lambda text: "esc Close" in text and "status  done" in text)
    terminal.keys("G")
    see(terminal, lambda text: "Steps this run" in text)
    terminal.keys("Escape")
    see(terminal, lambda text: "finished:" in text)
    terminal.keys("Escape")
    see(terminal, lambda text: "2 done" in text and "pending rows" in text)
    # the errors log: a time an operator reads, never an ISO stamp
    terminal.keys("E")
    screen = see(terminal, lambda text: "SMTP 451" in text)
    assert re.search(r"\b\d{2}:\d{2}\b", screen) and not ISO_TIME.search(screen), screen
    terminal.keys("Escape")
    see(terminal, lambda text: "space Select" in text)
    # help in a dialog: the reset dialog's own keys
    terminal.keys("x")
    see(terminal, lambda text: "F1" in text and "reference" in text.lower())
    terminal.keys("F1")
    see(terminal, lambda text: "Keys — Reset a password" in text)
    terminal.keys("Escape")
    see(terminal, lambda text: "Keys —" not in text)
    terminal.keys("Escape")
    see(terminal, lambda text: "space Select" in text)  # the main screen's footer: no dialog
    terminal.keys("q")
    status = wait_for_value(
        lambda: exit_file.read_text().strip() or None if exit_file.exists() else None,
        60,
        "the TUI to exit",
    )
    assert status == "0"
    assert not re.search(
        r"Traceback|Error", terminal.tmux("capture-pane", "-p", "-t", "tui", "-S", "-")
    )
    assert sorted(r[4] for r in stack.tabs()[ACCESS_DONE][1:]) == sorted([wes, xan])
    stack.remove_cloud_objects(keystone_admin)
