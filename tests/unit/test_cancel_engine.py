"""Cancelling a run between steps: the step in hand finishes, the next one does not start, the
rest of the batch is not started, nothing is recorded as an error, the rows stay, and a rerun
ends exactly where an uninterrupted run ends (in-memory ports, as in test_provision_engine)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from moc_tui.core.access.events import StepDone
from moc_tui.core.workflow.events import RowCancelled
from tests.provision_fakes import World, make_world, outcome, standard_rows
from tests.quota_fakes import make_quota_world


def cancel_after(world: World, step: str) -> Callable[[], bool]:
    """A `cancelled` callable that turns True once the first row has done `step`."""

    def cancelled() -> bool:
        return any(isinstance(e, StepDone) and e.step == step for e in world.events)

    return cancelled


def fresh_outcome(tmp_path: Path) -> dict[str, object]:
    world = make_world(tmp_path / "reference", standard_rows())
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    world.run()
    return outcome(world)


def test_cancel_stops_before_the_next_step_and_a_rerun_resumes(tmp_path: Path) -> None:
    world = make_world(tmp_path, standard_rows())
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    _, pending = world.requests()
    result = world.run(cancelled=cancel_after(world, "user"))

    assert result.done == [] and result.failed == []
    rows = [r.row for r in result.cancelled]
    assert rows == [r.row for r in pending] and rows[0] == 2
    stopped = [e for e in world.events if isinstance(e, RowCancelled)]
    assert stopped[0] == RowCancelled(2, "member")  # the user step finished, member did not start
    assert all(e.step == "" for e in stopped[1:])  # the other rows were not started
    assert world.journal.errors() == []  # a cancel is not an error
    trail = [a.action for a in world.journal.audit_trail()]
    assert trail.count("provision-cancelled") == len(rows)
    first = outcome(world)
    assert first["done"] == [] and "alice@example.org" in first["form"]
    assert first["users"] == ["alice@example.org", "bob@example.org"]  # made before the cancel
    assert first["members"] == [] and first["mails"] == []

    world.events.clear()
    again = world.run()
    assert again.failed == [] and again.cancelled == []
    resumed = [e.step for e in world.events if isinstance(e, StepDone) and e.resumed]
    assert resumed[:3] == ["project", "quotas", "user"]
    assert outcome(world) == fresh_outcome(tmp_path)


def test_a_quota_change_cancelled_before_it_is_applied_changes_nothing(tmp_path: Path) -> None:
    world = make_quota_world(tmp_path)
    before = {k: dict(v) for k, v in world.cloud.quotas.items()}

    def after_project() -> bool:
        return any(isinstance(e, StepDone) and e.step == "project" for e in world.events)

    result = world.run(cancelled=after_project)
    assert result.done == [] and result.failed == []
    assert next(e for e in world.events if isinstance(e, RowCancelled)).step == "quotas"
    assert world.cloud.quotas == before and world.mailer.sent == []
    assert world.journal.errors() == []
    again = world.run()
    assert [r.project for r in again.done] == ["K2K", "mars"]  # "nowhere" fails as before
    assert world.cloud.quotas != before
