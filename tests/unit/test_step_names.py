"""Step names are one enum whose values are the journal's strings (old journals still read), and
the operator reads a label for each: on the CLI, in the TUI and in the backend's messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from moc_tui.cli.report import print_event
from moc_tui.core.step_names import Step, action_label, step_label
from moc_tui.core.workflow.events import RowCancelled, RowFailed, StepDone
from tests.provision_fakes import make_world, standard_rows
from tests.sample_rows import access_row

JOURNAL_STRINGS = [
    "validate",
    "project_intent",
    "project",
    "quota_intent",
    "quotas",
    "user_intent",
    "user",
    "member",
    "extra_users",
    "setpass",
    "password",
    "mails_queued",
    "mail",
    "sheet",
    "open",
    "closed",
    "confirm",
    "notify",
    "activated",
    "not_activated",
]
RAW = ("_", "mail:", "mails_queued")


def test_values_are_the_strings_journals_already_hold() -> None:
    assert [str(s) for s in Step] == JOURNAL_STRINGS
    assert Step("mails_queued") is Step.MAILS_QUEUED and f"{Step.USER}" == "user"


@pytest.mark.parametrize("name", [*JOURNAL_STRINGS, "mail:new_project", "mail:added:b@x.org"])
def test_every_step_has_words_without_the_raw_name(name: str) -> None:
    label = step_label(name)
    assert label and not any(raw in label for raw in RAW), label
    assert not any(raw in action_label(f"step:{name}") for raw in RAW)


def test_a_run_emits_only_named_steps_and_every_line_printed_is_a_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = make_world(tmp_path, [*standard_rows(), access_row(email="x@example.org", pin="1")])
    world.mailer.fail_with = OSError("down")
    world.run()
    steps = [e.step for e in world.events if isinstance(e, StepDone | RowFailed)]
    assert {"project", "mails_queued", "validate", "mail"} <= set(steps)
    for step in steps:
        assert step in Step._value2member_map_ or step.startswith("mail:"), step
        print_event(RowFailed(2, step, "x"))
        print_event(RowCancelled(2, step))
    printed = capsys.readouterr().err
    assert "row 2: sending mail failed: x" in printed
    assert not any(raw in printed for raw in RAW), printed
    assert "welcome mail not sent: " in str([e for e in world.events if isinstance(e, RowFailed)])


def test_audit_actions_are_words() -> None:
    from moc_tui.core.journal import REKEYED

    assert action_label(REKEYED) == "key changed, earlier records kept"
    assert action_label("ack-error") == "error acknowledged"
    assert action_label("step:user") == "user account done"
