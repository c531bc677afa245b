"""The plan says what provisioning will do, reading the cloud without changing it."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from moc_tui.core.access.plan import QuotaChange, plan
from moc_tui.core.journal import Journal
from tests.provision_fakes import Crash, make_world, standard_rows
from tests.sample_rows import access_row


def test_the_plan_of_mixed_rows_changes_nothing(tmp_path: Path) -> None:
    world = make_world(
        tmp_path,
        [
            *standard_rows(),
            access_row(email="x@example.org", pin="1", new_project="xlab", timestamp="t4"),
        ],
    )
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    world.cloud.calls.clear()
    _tabs, requests = world.requests()
    alice, bob, carol, bad = plan(requests, world.settings, world.cloud, world.journal)
    assert set(world.cloud.calls) <= {"find_project", "find_user", "get_quotas"}
    assert (alice.creates_project, alice.creates_user) == (True, True)
    assert alice.quota_changes == (
        QuotaChange("cores", None, 20),
        QuotaChange("instances", None, 10),
    )
    assert alice.mails == (
        ("welcome", "alice@example.org"),
        ("password", "alice@example.org"),
        ("new_project", "alice@example.org"),
    )
    # wonderland does not exist yet: alice's row creates it first, in the same run
    assert bob.ok and not bob.creates_project and not bob.creates_user
    # alice has no account yet, but row 2 creates her first: the run adds her, so the plan says so
    assert carol.extra_users == (("alice@example.org", True), ("ghost@example.org", False))
    assert "add 'alice@example.org'" in carol.lines()
    assert bad.lines() == ["refused: PIN must be exactly four digits 0-9"]
    assert alice.lines()[:3] == [
        "create project 'wonderland'",
        "create user 'alice@example.org'",
        "grant role 'member' on 'wonderland'",
    ]
    assert world.cloud.projects == {}
    world.run()
    assert world.journal.steps(carol.request_key)["extra_users"]["added"] == ["alice@example.org"]


def test_the_plan_after_a_partial_run_shows_what_is_done(tmp_path: Path) -> None:
    world = make_world(tmp_path, [access_row()])
    world.mailer.fail_with = OSError("down")
    world.run()
    _tabs, requests = world.requests()
    [again] = plan(requests, world.settings, world.cloud, world.journal)
    assert again.ok and again.creates_project and again.creates_user
    assert "project" in again.done_steps and "setpass" in again.done_steps


CRASHES = ["create_project", "set_quotas", "create_user", "ensure_member", "register", "send"]


@pytest.mark.parametrize("crash_on", CRASHES)
def test_after_a_crash_the_plan_says_each_step_once_and_the_rerun_does_what_it_says(
    tmp_path: Path, crash_on: str
) -> None:
    world = make_world(tmp_path, [access_row()])
    registered: list[str] = []

    def crash(call: str) -> None:
        if call == crash_on:
            raise Crash(call)

    world.cloud.hook = world.setpass.hook = world.mailer.hook = crash
    with contextlib.suppress(Crash):
        world.run()
    world.cloud.hook = world.mailer.hook = lambda call: None
    world.setpass.hook = registered.append
    world.journal = Journal(world.journal.path)  # a new process
    _tabs, requests = world.requests()
    [again] = plan(requests, world.settings, world.cloud, world.journal)
    lines = again.lines()
    assert again.ok, lines
    # one line per object: never "create project X" beside "already done: project"
    for name in ("project 'wonderland'", "user 'alice@example.org'"):
        assert len([line for line in lines if name in line]) == 1, lines
    assert not [line for line in lines if "already done" in line or "_" in line], lines
    world.cloud.calls.clear()
    result = world.run()
    assert result.failed == [] and len(result.done) == 1
    calls = world.cloud.calls
    assert ("create project 'wonderland'" in lines) == ("create_project" in calls), lines
    assert ("create user 'alice@example.org'" in lines) == ("create_user" in calls), lines
    assert ("register the temporary password and PIN with setpass" in lines) == (
        "register" in registered
    ), lines
    assert bool(again.quota_changes) == ("set_quotas" in calls), lines
    assert list(world.cloud.projects) == ["wonderland"]


def test_the_plan_refuses_with_the_words_the_run_fails_with(tmp_path: Path) -> None:
    world = make_world(
        tmp_path,
        [
            access_row(new_project="", existing_project="nowhere"),
            access_row(email="b@example.org", new_project="taken", timestamp="t2"),
            access_row(email="c@example.org", has_account="Yes", pin="", timestamp="t3"),
        ],
    )
    world.cloud.create_project("taken", "someone else's")
    _tabs, requests = world.requests()
    plans = plan(requests, world.settings, world.cloud, world.journal)
    result = world.run()
    assert [p.problems for p in plans] == [
        (
            "there is no project named 'nowhere' to join; correct the name or add it to "
            "[project_aliases]",
        ),
        (
            "project 'taken' exists already; to add this user to it, make the row join it "
            "instead of creating it",
        ),
        ("the user is new but the row has no PIN; add it",),
    ]
    assert [(f.row, f.message) for f in result.failed] == [(p.row, p.problems[0]) for p in plans]
