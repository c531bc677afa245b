"""The provisioning engine's orchestration, with in-memory ports: steps, failures, crashes.

A crash is simulated at every step boundary (right after a step is journaled) and in the middle
of the steps that create something; the rerun must end exactly where an uninterrupted run ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moc_tui.core.access.events import Event, RowWarning, StepDone
from moc_tui.core.journal import Journal
from moc_tui.core.settings import load_settings
from tests.provision_fakes import Crash, World, make_world, outcome, standard_rows
from tests.sample_rows import access_row
from tests.settings_files import write_settings
from tests.tab_names import ACCESS_DONE, FORM


def test_an_uninterrupted_run(tmp_path: Path) -> None:
    world = make_world(tmp_path, standard_rows())
    # bob joins wonderland, which alice's row creates first; he must exist already
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    result = world.run()
    assert [f.message for f in result.failed] == []
    final = outcome(world)
    assert final["projects"] == ["carol", "wonderland"]
    assert final["members"] == sorted(
        [
            ("alice@example.org", "wonderland"),
            ("bob@example.org", "wonderland"),
            ("carol@example.org", "carol"),
            ("alice@example.org", "carol"),
        ]
    )
    # instances 10 needs 10 + 0 in use + 5 spare = 15 ports < the default 50: no raise
    assert final["quotas"] == [
        ("carol", (("cores", 20), ("instances", 10))),
        ("wonderland", (("cores", 20), ("instances", 10))),
    ]
    subjects = [subject for (to, subject), n in final["mails"]]
    assert len(world.mailer.sent) == 8  # alice 3, bob 1, carol 3, alice added to carol 1
    assert subjects.count("Choose your cloud password") == 2
    assert final["done"] == ["alice@example.org", "bob@example.org", "carol@example.org"]
    assert final["form"] == []
    assert final["setpass"] == ["alice@example.org", "carol@example.org"]
    # the link in each password mail is the one setpass holds now
    for mail in world.mailer.sent:
        if mail.subject == "Choose your cloud password":
            user = world.cloud.users[mail.to[0]]
            assert f"token={world.setpass.valid_token[user.id]}" in mail.body
    assert "ghost@example.org" in str([e for e in world.events if "ghost" in str(e)])
    # no secret in the journal file
    raw = world.journal.path.read_bytes()
    for user_id, (password, _pin) in world.setpass.records.items():
        assert password.encode() not in raw
        assert world.setpass.valid_token[user_id].encode() not in raw
    assert b"token=" not in raw


def test_a_failing_request_does_not_stop_the_others(tmp_path: Path) -> None:
    world = make_world(
        tmp_path,
        [
            access_row(new_project="", existing_project="nowhere"),
            access_row(email="dave@example.org", new_project="dave-lab", timestamp="t2"),
            access_row(email="eve@example.org", pin="12", timestamp="t3"),
        ],
    )
    result = world.run()
    assert [(f.row, f.step) for f in result.failed] == [(2, "project"), (4, "validate")]
    assert "there is no project named 'nowhere' to join" in result.failed[0].message
    assert result.failed[1].message == "PIN must be exactly four digits 0-9"
    assert [r.row for r in result.done] == [3]
    assert [row[4] for row in world.store.tabs[FORM][1:]] == [
        "alice@example.org",
        "eve@example.org",
    ]
    errors = world.journal.errors()
    assert {(e.row, e.email, e.step) for e in errors} == {
        (2, "alice@example.org", "project"),
        (4, "eve@example.org", "validate"),
    }
    assert all(e.operator == "alice-operator" for e in errors)


def test_a_new_project_that_exists_already_is_refused(tmp_path: Path) -> None:
    world = make_world(tmp_path, [access_row()])
    world.cloud.create_project("Wonderland", "someone else's")
    result = world.run()
    assert result.failed[0].message.startswith("project 'Wonderland' exists already")
    assert world.cloud.users == {}


def test_a_mail_failure_keeps_the_row_and_the_mail_for_the_next_run(tmp_path: Path) -> None:
    from moc_tui.core.mail import MailError

    world = make_world(tmp_path, [access_row()])
    world.mailer.fail_with = MailError("could not send mail through 127.0.0.1:25")
    result = world.run()
    assert result.failed[0].step == "mail" and "kept to send on the next run" in (
        result.failed[0].message
    )
    assert len(world.store.tabs[FORM]) == 2
    world.mailer.fail_with = None
    assert world.run().ok
    assert len(world.mailer.sent) == 3 and len(world.store.tabs[ACCESS_DONE]) == 2
    assert len(world.cloud.users) == 1


def boundaries(tmp_path: Path) -> int:
    world = make_world(tmp_path / "count", standard_rows())
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    world.run()
    return sum(isinstance(e, StepDone) and not e.resumed for e in world.events)


def reference(tmp_path: Path) -> dict[str, Any]:
    world = make_world(tmp_path / "reference", standard_rows())
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    world.run()
    return outcome(world)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], int]:
    base = tmp_path_factory.mktemp("reference")
    return reference(base), boundaries(base)


def crashed_then_rerun(tmp_path: Path, *crashes: tuple[str, Any]) -> World:
    """Run once per crash (each dies as told), then a last run that completes.

    A crash is ("emit", hook on events) or ("call", hook on cloud / setpass / mailer calls).
    """
    world = make_world(tmp_path, standard_rows())
    world.cloud.create_user("bob@example.org", "bob@example.org", "Bob", "pw")
    for where, hook in crashes:
        with pytest.raises(Crash):
            if where == "emit":
                world.run(emit_hook=hook)
            else:
                world.cloud.hook = world.setpass.hook = world.mailer.hook = hook
                world.run()
        world.cloud.hook = world.setpass.hook = world.mailer.hook = lambda call: None
        # a new process: nothing in memory survives, only the journal, the cloud and the sheet
        world.journal = Journal(world.journal.path)
    world.run()
    return world


def crash_after_step(n: int) -> Any:
    seen = [0]

    def crash(event: Event) -> None:
        if isinstance(event, StepDone) and not event.resumed:
            seen[0] += 1
            if seen[0] == n:
                raise Crash(f"after step {n}")

    return crash


def crash_on(call: str) -> Any:
    def crash(name: str) -> None:
        if name == call:
            raise Crash(name)

    return crash


def test_a_crash_at_every_step_boundary_then_a_rerun(
    tmp_path: Path, expected: tuple[dict[str, Any], int]
) -> None:
    final, count = expected
    assert count > 15
    for n in range(1, count + 1):
        world = crashed_then_rerun(tmp_path / f"boundary-{n}", ("emit", crash_after_step(n)))
        assert outcome(world) == final, f"crash after step boundary {n}"


@pytest.mark.parametrize(
    "call", ["create_project", "set_quotas", "create_user", "ensure_member", "register"]
)
def test_a_crash_right_after_each_creating_call(
    tmp_path: Path, expected: tuple[dict[str, Any], int], call: str
) -> None:
    world = crashed_then_rerun(tmp_path, ("call", crash_on(call)))
    assert outcome(world) == expected[0]


def test_crashes_in_the_resumed_setpass_step_too(
    tmp_path: Path, expected: tuple[dict[str, Any], int]
) -> None:
    world = crashed_then_rerun(
        tmp_path, ("call", crash_on("register")), ("call", crash_on("set_password"))
    )
    assert outcome(world) == expected[0]


def test_new_project_quotas_raise_the_port_quota_as_the_original_did(tmp_path: Path) -> None:
    world = make_world(tmp_path, [access_row()])
    world.settings = load_settings(write_settings(tmp_path, {"quotas": {"instances": "100"}}))
    assert world.run().ok
    [quotas] = world.cloud.quotas.values()
    assert quotas == {"instances": 100, "port": 105}
    [reason] = [e.message for e in world.events if isinstance(e, RowWarning)]
    assert reason.startswith("port quota raised from 50 to 105")


def test_every_step_is_an_audit_record_naming_the_operator(tmp_path: Path) -> None:
    world = make_world(tmp_path, [access_row()])
    assert world.run().ok
    actions = [(r.operator, r.action) for r in world.journal.audit_trail()]
    assert ("alice-operator", "provision") in actions
    assert ("alice-operator", "step:project") in actions
    assert ("alice-operator", "step:user") in actions
    assert ("alice-operator", "moved") in actions
    assert all(operator == "alice-operator" for operator, _ in actions)
