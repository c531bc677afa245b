"""How many times the journal commits (one fsync each) per provisioned request.

Counted from the statements SQLite itself runs (its trace callback), not from the journal's own
counter, which must agree. The bound is the engine's commit boundary
(`moc_tui.core.access.engine`): for a new user with a new project and three mails, 7 commits;
for an existing user joining a project (one mail), 3; plus one for the run's sheet move.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from moc_tui.core.journal import Journal
from moc_tui.core.journal.db import connect
from tests.provision_fakes import World, make_world
from tests.sample_rows import access_row

PER_NEW_REQUEST = 7
PER_JOINING_REQUEST = 3
PER_RUN = 1


class Commits:
    """Transactions SQLite committed on the connections it traced."""

    def __init__(self) -> None:
        self.count = 0
        self.writes = 0  # statements that change a row: each was its own commit before grouping
        self._open = False

    def trace(self, statement: str) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        if verb == "BEGIN":
            self._open = True
        elif verb in ("COMMIT", "ROLLBACK"):
            self._open = False
            self.count += verb == "COMMIT"
        elif verb in ("INSERT", "UPDATE", "DELETE"):
            self.writes += 1
            self.count += not self._open  # autocommit: the statement is its own transaction


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> Commits:
    counted = Commits()

    def traced(path: Path) -> sqlite3.Connection:
        conn = connect(path)  # migrations run before the trace starts
        conn.set_trace_callback(counted.trace)
        return conn

    monkeypatch.setattr("moc_tui.core.journal.journal.connect", traced)
    return counted


def new_rows(n: int) -> list[list[str]]:
    return [
        access_row(email=f"user{i}@example.org", new_project=f"lab-{i}", timestamp=f"t{i}")
        for i in range(n)
    ]


def fresh(world: World) -> World:
    """The world with a journal opened after the trace was installed."""
    world.journal = Journal(world.journal.path)
    return world


@pytest.mark.parametrize("n", [1, 10])
def test_a_new_user_and_project_costs_seven_commits(
    tmp_path: Path, commits: Commits, n: int
) -> None:
    world = fresh(make_world(tmp_path, new_rows(n)))
    before = world.journal.commits
    result = world.run()
    assert [r.row for r in result.done] == list(range(2, n + 2))
    assert len(world.mailer.sent) == 3 * n and len(world.cloud.quotas) == n
    assert commits.count <= PER_NEW_REQUEST * n + PER_RUN
    assert world.journal.commits - before == commits.count
    # without grouping each of these was its own commit
    assert commits.writes >= 25 * n


def test_an_existing_user_joining_costs_three_commits(tmp_path: Path, commits: Commits) -> None:
    rows = [
        access_row(new_project="", existing_project="wonderland", has_account="Yes", pin=""),
    ]
    world = fresh(make_world(tmp_path, rows))
    world.cloud.create_project("wonderland", "an existing project")
    world.cloud.create_user("alice@example.org", "alice@example.org", "Alice", "pw")
    assert world.run().ok
    assert len(world.mailer.sent) == 1
    assert commits.count <= PER_JOINING_REQUEST + PER_RUN


def test_outside_a_group_each_write_commits_at_once(tmp_path: Path, commits: Commits) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    journal.step_done("r1", "user", {"user_id": "u1"})
    journal.audit("op", "something", "r1")
    assert commits.count == 2
    with journal.grouped():
        journal.step_done("r1", "member", {})
        journal.audit("op", "step:member", "r1")
        assert commits.count == 2
        other = Journal(journal.path)  # another process sees nothing yet ...
        assert "member" not in other.steps("r1")
        assert "member" in journal.steps("r1")  # ... but a read of our own commits first
        assert commits.count == 3
        journal.audit("op", "later", "r1")
    assert commits.count == 4  # the end of the group commits what waited
    assert [a.action for a in other.audit_trail("r1")][-1] == "later"
