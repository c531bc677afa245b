"""Quota change orchestration with in-memory ports: plan, apply, mail, move, and crashes.

A crash is simulated at every step boundary (right after a step is journaled) and right after
each call that changes something; the rerun must end where an uninterrupted run ends, with one
mail per request that still shows the values from before the change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from moc_tui.core.journal import Journal
from moc_tui.core.quota.plan import plan_quota_changes
from moc_tui.core.workflow.events import Event, RowWarning, StepDone
from tests.provision_fakes import Crash
from tests.quota_fakes import CC, QuotaWorld, make_quota_world
from tests.sample_rows import quota_row
from tests.settings_files import write_settings
from tests.tab_names import FORM, QUOTA_DONE


def outcome(world: QuotaWorld) -> dict[str, Any]:
    names = {p.id: p.name for p in world.cloud.projects.values()}
    return {
        "quotas": sorted(
            (names[p], tuple(sorted(q.items()))) for p, q in world.cloud.quotas.items()
        ),
        "mails": sorted(
            Counter(
                (m.to, tuple(sorted(a.casefold() for a in m.cc)), m.subject, m.body)
                for m in world.mailer.sent
            ).items()
        ),
        "form": [row[4] for row in world.store.tabs[FORM][1:]],
        "done": [row[8] for row in world.store.tabs[QUOTA_DONE][1:]],
    }


def test_an_uninterrupted_run(tmp_path: Path) -> None:
    world = make_quota_world(tmp_path)
    result = world.run()
    assert [(f.row, f.step) for f in result.failed] == [(3, "project")]
    assert "there is no project named 'nowhere'" in result.failed[0].message
    final = outcome(world)
    # exactly the requested values, plus the port raised for 50 instances on 5 more networks
    assert final["quotas"] == [
        ("k2k", (("cores", 40), ("instances", 50), ("network", 10), ("port", 68))),
        ("mars", (("ram", 2048),)),
    ]
    assert result.applied[2] == {"instances": 50, "network": 10, "cores": 40, "port": 68}
    [reason] = [e.message for e in world.events if isinstance(e, RowWarning) and e.row == 2]
    assert reason.startswith("port quota raised from 50 to 68: 50 instances + 3 ports in use")
    k2k_mail, mars_mail = sorted(world.mailer.sent, key=lambda m: m.subject)
    assert k2k_mail.to == ("pi@example.org",)
    # each address once (whatever its case), the requester not cc'd, no empty address
    assert k2k_mail.cc[0] == CC
    assert [a.casefold() for a in k2k_mail.cc[1:]] == ["bob@example.org"]
    assert k2k_mail.subject == "Quota change for your cloud project k2k"
    assert k2k_mail.html
    for label, old, new in [("Instances", 10, 50), ("Ports", 50, 68), ("Cores", 20, 40)]:
        assert f"<td>{label}</td><td>{old}</td><td>{new}</td>" in k2k_mail.body
    assert "Pat Investigator" in k2k_mail.body
    assert "<td>RAM (MB)</td><td>51200</td><td>2048</td>" in mars_mail.body
    assert [r.message for r in world.events if isinstance(r, RowWarning) and r.row == 4] == [
        "m@example.org is not a member of the project"
    ]
    assert final["form"] == ["x@example.org"]
    assert final["done"] == ["K2K", "mars"]
    [error] = world.journal.errors()
    assert (error.row, error.step, error.tab) == (3, "project", FORM)
    # a second run changes nothing and mails nobody
    world.mailer.sent.clear()
    assert [f.row for f in world.run().failed] == [2]
    assert world.mailer.sent == [] and len(world.journal.errors()) == 1


def test_the_plan_shows_current_requested_and_applied(tmp_path: Path) -> None:
    world = make_quota_world(tmp_path)
    _tabs, requests = world.requests()
    k2k, nowhere, mars = plan_quota_changes(requests, world.settings, world.cloud, world.journal)
    assert k2k.lines() == [
        "change the quotas of project 'k2k'",
        "quota Instances: 10 -> 50",
        "quota Cores: 20 -> 40",
        "quota Networks: 5 -> 10",
        "quota Ports: 50 -> not asked -> 68",
        "port quota raised from 50 to 68: 50 instances + 3 ports in use outside instances + "
        "2 x 5 new networks + 5 spare",
        "mail the applied values to pi@example.org, cc the project's members",
        f"move the row to {QUOTA_DONE!r}",
    ]
    assert not nowhere.ok and "no project named 'nowhere'" in nowhere.lines()[0]
    assert mars.lines()[1] == "quota RAM (MB): 51200 -> 2048"
    assert "set_quotas" not in world.cloud.calls


def test_a_read_back_that_differs_fails_the_request(tmp_path: Path) -> None:
    world = make_quota_world(tmp_path)

    def set_but_cores_stay_low(project_id: str, values: Mapping[str, int]) -> dict[str, int]:
        return {**values, "cores": 1}

    world.cloud.set_quotas = set_but_cores_stay_low  # type: ignore[method-assign]
    result = world.run()
    assert ("quotas", 2) in [(f.step, f.row) for f in result.failed]
    message = next(f.message for f in result.failed if f.row == 2)
    assert "the cloud reads back cores is 1" in message
    assert "K2K" not in outcome(world)["done"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], int]:
    world = make_quota_world(tmp_path_factory.mktemp("reference"))
    world.run()
    count = sum(isinstance(e, StepDone) and not e.resumed for e in world.events)
    return outcome(world), count


def crashed_then_rerun(
    tmp_path: Path, emit_hook: Any = None, call: str | None = None
) -> QuotaWorld:
    world = make_quota_world(tmp_path)

    def on_call(name: str) -> None:
        if name == call:
            raise Crash(name)

    world.cloud.hook = world.mailer.hook = on_call
    with pytest.raises(Crash):
        world.run(emit_hook)
    world.cloud.hook = world.mailer.hook = lambda name: None
    world.journal = Journal(world.journal.path)  # a new process: only the journal survives
    world.run()
    return world


def crash_after_step(n: int) -> Callable[[Event], None]:
    """An event hook that dies right after the n-th step is journaled."""
    seen = [0]

    def crash(event: Event) -> None:
        if isinstance(event, StepDone) and not event.resumed:
            seen[0] += 1
            if seen[0] == n:
                raise Crash(f"after step {n}")

    return crash


def test_a_crash_at_every_step_boundary_then_a_rerun(
    tmp_path: Path, reference: tuple[dict[str, Any], int]
) -> None:
    final, count = reference
    assert count >= 8  # project, quotas, mails_queued, mail per done request
    for n in range(1, count + 1):
        crash = crash_after_step(n)
        world = crashed_then_rerun(tmp_path / f"boundary-{n}", emit_hook=crash)
        assert outcome(world) == final, f"crash after step boundary {n}"


@pytest.mark.parametrize("call", ["find_project", "get_quotas", "set_quotas", "project_members"])
def test_a_crash_right_after_each_changing_call(
    tmp_path: Path, reference: tuple[dict[str, Any], int], call: str
) -> None:
    """After set_quotas the cloud holds the new values before the journal knows: the mail must
    still show the old ones (from the intent recorded before the change)."""
    world = crashed_then_rerun(tmp_path, call=call)
    assert outcome(world) == reference[0]


def test_the_one_window_left_resends_with_the_same_message_id(tmp_path: Path) -> None:
    """A crash after the server accepted a mail and before the journal marks it sent: as in
    every outbox, the rerun sends it again, with the same Message-ID (so it can be dropped)."""
    world = crashed_then_rerun(tmp_path, call="send")
    ids = Counter(m.message_id for m in world.mailer.sent)
    assert sorted(ids.values()) == [1, 2]


def test_without_a_quota_sheet_the_cli_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from moc_tui.cli import main

    path = write_settings(tmp_path)
    assert main(["quota", "--config", str(path), "--all"]) == 1
    assert "[quota_sheet] is not configured" in capsys.readouterr().err


@pytest.mark.parametrize("upper_first", [True, False])
def test_two_requests_sharing_timestamp_and_email_case_are_each_applied(
    tmp_path: Path, upper_first: bool
) -> None:
    """Their old journal key was one: the second was reported done with nothing applied."""
    world = make_quota_world(tmp_path)
    k2k = quota_row(timestamp="t9", project="k2k", cores="64", email="PI@example.org")
    mars = quota_row(timestamp="t9", project="mars", ram="4", email="pi@example.org")
    world.store.tabs[FORM][1:] = [k2k, mars] if upper_first else [mars, k2k]
    _tabs, requests = world.requests()
    plans = plan_quota_changes(requests, world.settings, world.cloud, world.journal)
    assert [p.done_steps for p in plans] == [(), ()]
    result = world.run()
    assert result.failed == [] and len(result.done) == 2
    by_name = {p.name: p.id for p in world.cloud.projects.values()}
    assert world.cloud.quotas[by_name["k2k"]]["cores"] == 64
    assert world.cloud.quotas[by_name["mars"]]["ram"] == 4096
    # a copy of a request already applied is refused, with when and from which row
    world.store.tabs[FORM].append(list(k2k))
    again = world.run()
    [failure] = again.failed
    assert "this request was applied on " in failure.message and failure.step == "validate"
