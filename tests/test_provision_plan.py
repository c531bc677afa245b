"""The plan says what provisioning will do, reading the cloud without changing it."""

from __future__ import annotations

from pathlib import Path

from moc_tui.core.provision.plan import QuotaChange, plan
from tests.provision_fakes import make_world, standard_rows
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
    assert carol.extra_users == (("alice@example.org", False), ("ghost@example.org", False))
    assert bad.lines() == ["refused: PIN must be exactly four digits 0-9"]
    assert alice.lines()[:3] == [
        "create project 'wonderland'",
        "create user 'alice@example.org'",
        "grant role 'member' on 'wonderland'",
    ]
    assert world.cloud.projects == {}


def test_the_plan_after_a_partial_run_shows_what_is_done(tmp_path: Path) -> None:
    world = make_world(tmp_path, [access_row()])
    world.mailer.fail_with = OSError("down")
    world.run()
    _tabs, requests = world.requests()
    [again] = plan(requests, world.settings, world.cloud, world.journal)
    assert again.ok and again.creates_project and again.creates_user
    assert "project" in again.done_steps and "setpass" in again.done_steps
