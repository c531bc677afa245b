"""Journals written before content keys: requests recorded there are neither redone nor lost.

The earlier versions are reproduced by running today's engine with the old key scheme (the key
of the form's Timestamp and the lower-cased email); then today's scheme takes over the journal.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path

import pytest

from moc_tui.core.access import engine
from moc_tui.core.access.keys import ACCESS, legacy_access_key
from moc_tui.core.access.plan import plan
from moc_tui.core.journal import Journal
from tests.provision_fakes import Crash, World, make_world
from tests.sample_rows import access_row
from tests.tab_names import ACCESS_DONE, FORM

OLD_SCHEME = dataclasses.replace(ACCESS, key_of=legacy_access_key)


def old_version_run(world: World, monkeypatch: pytest.MonkeyPatch, crash_on: str = "") -> None:
    def hook(call: str) -> None:
        if call == crash_on:
            raise Crash(call)

    with monkeypatch.context() as patch:
        patch.setattr(engine, "ACCESS", OLD_SCHEME)
        world.cloud.hook = world.setpass.hook = world.mailer.hook = hook
        with contextlib.suppress(Crash):
            world.run()
        world.cloud.hook = world.setpass.hook = world.mailer.hook = lambda call: None
    world.journal = Journal(world.journal.path)  # a new process, the new version


def dry_run(world: World) -> list[str]:
    _tabs, requests = world.requests()
    return [line for p in plan(requests, world.settings, world.cloud, world.journal)
            for line in p.lines()]  # fmt: skip


@pytest.mark.parametrize("crash_on", ["create_user", "register", "send"])
def test_a_request_half_done_by_the_old_version_is_finished_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_on: str
) -> None:
    world = make_world(tmp_path, [access_row()])
    old_version_run(world, monkeypatch, crash_on)
    assert world.store.tabs[FORM][1:]  # the old run died before the move
    lines = dry_run(world)
    # the old version created the project: the plan says so, and does not offer to create it
    assert "project 'wonderland': created by an earlier run" in lines
    assert not [x for x in lines if "refused" in x or x.startswith("create project")]
    result = world.run()
    assert [f.message for f in result.failed] == []
    assert list(world.cloud.projects) == ["wonderland"]
    assert list(world.cloud.users) == ["alice@example.org"]
    subjects = sorted(m.subject for m in world.mailer.sent)
    assert subjects.count("Choose your cloud password") == 1
    [password] = [m for m in world.mailer.sent if m.subject == "Choose your cloud password"]
    user = world.cloud.users["alice@example.org"]
    assert f"token={world.setpass.valid_token[user.id]}" in password.body
    assert [r[4] for r in world.store.tabs[ACCESS_DONE][1:]] == ["alice@example.org"]


def test_an_old_record_is_not_taken_by_a_different_request_sharing_its_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path, [access_row(email="Pat@example.org", new_project="first")])
    old_version_run(world, monkeypatch)
    assert [r[4] for r in world.store.tabs[ACCESS_DONE][1:]] == ["Pat@example.org"]
    # a second row, same Timestamp, same email in other case: the old key is the same
    world.store.tabs[FORM].append(access_row(email="pat@example.org", new_project="second"))
    lines = dry_run(world)
    assert "create project 'second'" in lines
    assert not [x for x in lines if "already done" in x or "refused" in x]
    result = world.run()
    assert [f.message for f in result.failed] == []
    assert sorted(world.cloud.projects) == ["first", "second"]
    assert [r[4] for r in world.store.tabs[ACCESS_DONE][1:]] == [
        "Pat@example.org",
        "pat@example.org",
    ]
    assert "Your new cloud project" in [m.subject for m in world.mailer.sent[-2:]]


def test_a_copy_of_a_request_the_old_version_moved_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path, [access_row()])
    old_version_run(world, monkeypatch)
    sent = len(world.mailer.sent)
    world.store.tabs[FORM].append(access_row())
    expected = "this request was provisioned on "
    assert [x for x in dry_run(world) if expected in x and "as row 2;" in x]
    result = world.run()
    [failure] = result.failed
    assert expected in failure.message and failure.step == "validate"
    assert len(world.mailer.sent) == sent and len(world.store.tabs[FORM]) == 2
