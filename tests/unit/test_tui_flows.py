"""Pilot tests of the operator's flows against an in-process fake backend
(tests/fixtures/tui_backend.py): select, filter, plan and confirm, progress, cancel, retry, edit,
errors, reset, quota. The help is tests/unit/test_tui_help.py; the app's own failures and
quitting, tests/unit/test_tui_app.py."""

from __future__ import annotations

import threading

from textual.message import Message
from textual.widgets import Button, Input, OptionList, ProgressBar, Static

from moc_tui.core.step_names import step_label
from moc_tui.protocol.events import EventKind
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.messages import RowEventReceived, RowFinished
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.edit import EditModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from moc_tui.tui.screens.quota import QuotaScreen
from moc_tui.tui.screens.reset import ResetModal
from moc_tui.tui.screens.trail import TrailModal
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_batch import STEPS
from tests.fixtures.tui_pilot import loaded, screen_is, start_provisioning, text_of, wait_for
from tests.fixtures.tui_views import (
    access_view,
    error_record,
    fingerprint,
    quota_view,
    sample_requests,
)
from tests.tab_names import QUOTA_DONE


def app_with(fake: FakeBackend) -> HelpdeskTui:
    return HelpdeskTui("alice", lambda: fake)


async def test_select_filter_and_counts() -> None:
    fake = FakeBackend(sample_requests())
    app = app_with(fake)
    async with app.run_test() as pilot:
        table = await loaded(pilot)
        assert "pending rows: 4 · 3 ready · 1 problem · 0 selected" in text_of(app, "#counts")
        assert "keystone.example.org" in text_of(app, "#header")
        await pilot.press("space", "space")  # space selects and moves down (htop)
        assert len(table.selected) == 2
        await pilot.press("space")  # carol has a problem: cannot be selected
        assert len(table.selected) == 2
        await pilot.press("k", "k", "space")  # unselect bob
        assert len(table.selected) == 1
        await pilot.press("U")
        assert not table.selected
        await pilot.press("slash", *"dave")
        assert table.row_count == 1
        assert "filter: dave (1 of 4)" in text_of(app, "#counts")
        await pilot.press("enter", "a")  # keep the filter, select all visible
        assert len(table.selected) == 1
        await pilot.press("escape")  # clears the filter
        assert table.row_count == 4 and not app.screen.query_one("#filter", Input).display
        await pilot.press("a")
        assert len(table.selected) == 3  # all ready rows, not the problem row


async def test_plan_focus_on_cancel_and_n_cancels() -> None:
    fake = FakeBackend(sample_requests())
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("space", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        plan = str(app.screen.query_one("#plan-text", Static).render())
        assert "1 of 1 requests will be provisioned on keystone.example.org" in plan
        assert "create project 'wonderland'" in plan
        await pilot.press("enter")  # Enter on the focused Cancel button: nothing happens
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("n")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        assert "provision" not in fake.ops()


async def test_provision_progress_per_row_and_step() -> None:
    fake = FakeBackend(sample_requests())
    seen: list[Message] = []
    app = app_with(fake)
    async with app.run_test(message_hook=seen.append) as pilot:
        table = await loaded(pilot)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        assert {s.status for s in progress.states.values()} == {"done"}
        assert progress.query_one(ProgressBar).percentage == 1
        assert progress.steps[sample_requests()[0]["request_key"]] == [step_label(s) for s in STEPS]
        # one provision call for the three confirmed rows, no list in between
        assert fake.ops()[2:4] == ["plan_access", "provision"]
        [sent] = [p for op, p in fake.calls if op == "provision"]
        assert [r["row"] for r in sent["rows"]] == [2, 3, 5]
        # the hook may see a message more than once: count distinct messages
        finished = list({id(m): m for m in seen if isinstance(m, RowFinished)}.values())
        keys = [v["request_key"] for v in sample_requests()]
        assert {m.key: m.status for m in finished} == {k: "done" for k in keys[:2] + keys[3:]}
        steps = [m for m in seen if isinstance(m, RowEventReceived)]
        assert any(m.event["kind"] == EventKind.STEP_DONE for m in steps)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await wait_for(pilot, lambda: "3 done" in text_of(app, "#counts"))
        assert table.row_count == 4  # the done rows stay visible, marked done
        await pilot.press("space")  # a done row cannot be selected again
        assert not table.selected


async def test_failed_rows_are_retried_after_a_new_plan() -> None:
    fake = FakeBackend(sample_requests(), fail={"bob@example.org": ("user", "Keystone said no")})
    app = app_with(fake)
    async with app.run_test() as pilot:
        progress: ProgressScreen = await start_provisioning(pilot)
        await wait_for(pilot, lambda: not progress.running)
        statuses = sorted(s.status for s in progress.states.values())
        assert statuses == ["done", "done", "failed"]
        [failed] = [s for s in progress.states.values() if s.status == "failed"]
        assert failed.view["email"] == "bob@example.org"
        assert failed.reason == "user account failed: Keystone said no"
        assert fake.ops().count("provision") == 1  # one call; bob failed alone
        del fake.fail["bob@example.org"]
        await pilot.press("r")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is progress)
        await wait_for(pilot, lambda: not progress.running and failed.status != "queued")
        assert failed.status == "done"
        assert fake.ops().count("provision") == 2
        assert [v["email"] for v in fake.requests] == ["carol@example.org"]  # the problem row


async def test_cancel_stops_the_row_in_hand_before_its_next_step_and_retry_resumes() -> None:
    fake = FakeBackend(sample_requests())
    fake.gate = threading.Event()
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: fake.started.is_set())
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await pilot.press("escape")  # cannot leave while running
        assert id(app.screen) == id(progress)
        await pilot.press("c")
        await wait_for(pilot, lambda: "cancelling" in text_of(app, "#progress-title"))
        await wait_for(pilot, lambda: fake.cancel_marked)  # the backend was asked to stop
        fake.gate.set()  # the step in hand (project) finishes; the next one does not start
        await wait_for(pilot, lambda: not progress.running)
        assert sorted(s.status for s in progress.states.values()) == [
            "not sent",
            "not sent",
            "stopped",
        ]
        stopped = next(s for s in progress.states.values() if s.status == "stopped")
        assert stopped.view["email"] == "alice@example.org"  # the row in hand
        assert progress.steps[stopped.key] == ["project", "stopped before user account"]
        not_sent = [s for s in progress.states.values() if s.status == "not sent"]
        assert all(progress.steps[s.key] == ["not started"] for s in not_sent)
        assert fake.ops().count("provision") == 1 and "cancel" in fake.ops()
        assert "cancelled" in text_of(app, "#progress-title")
        # r: the stopped row and the rows never sent go through a new plan, then run
        await pilot.press("r")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: not progress.running and fake.ops().count("provision") == 2)
        await wait_for(pilot, lambda: not progress.running)
        assert sorted(s.status for s in progress.states.values()) == ["done", "done", "done"]


async def test_a_row_held_by_another_operator_is_shown_as_failed() -> None:
    fake = FakeBackend(sample_requests()[:1], busy={"alice@example.org": "bob"})
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        [state] = progress.states.values()
        assert state.status == "failed" and "held by bob" in state.reason


async def test_a_held_row_and_a_changed_row_fail_alone_in_one_call() -> None:
    """Of four confirmed rows, one held by another session and one edited in the sheet after
    the plan: those two fail, each with its own reason; the other two are done."""
    requests = sample_requests()
    del requests[2]  # carol's problem row aside: four ready rows
    requests.append(access_view(6, "erin@example.org", project="e-lab"))
    fake = FakeBackend(requests, busy={"bob@example.org": "bob"})
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        dave = fake.requests[2]
        dave["sponsor"] = "someone else"  # edited in the sheet after the plan
        dave["fingerprint"] = fingerprint(dave)
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        outcome = {s.view["email"]: (s.status, s.reason) for s in progress.states.values()}
    assert fake.ops().count("provision") == 1
    assert outcome["alice@example.org"] == ("done", "")
    assert outcome["erin@example.org"] == ("done", "")
    status, reason = outcome["bob@example.org"]
    assert status == "failed" and "held by bob" in reason
    status, reason = outcome["dave@example.org"]
    assert status == "failed" and reason.startswith("row 5 changed since it was shown")


async def test_edit_validates_inline_and_saves_through_the_backend() -> None:
    fake = FakeBackend(sample_requests())
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "enter")  # carol: project missing; Enter opens the editor
        await wait_for(pilot, lambda: screen_is(app, EditModal))

        def problems() -> str:
            return str(app.screen.query_one("#edit-problems", Static).render())

        assert "project name is missing" in problems()
        await pilot.press(*"admin")
        assert "reserved" in problems()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, EditModal)  # refused inline, nothing sent
        assert "edit_access_field" not in fake.ops()
        box = app.screen.query_one("#f-project", Input)
        box.value = "wonderlan"
        # a new project: Keystone's similar names are listed as taken, not offered
        listed = app.screen.query_one("#project-suggestions", OptionList)
        await wait_for(pilot, lambda: listed.option_count > 0)
        assert str(listed.get_option_at_index(0).prompt).startswith("taken: wonderland")
        assert all(o.disabled for o in listed.options)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        edits = [p for op, p in fake.calls if op == "edit_access_field"]
        assert [(p["field"], p["value"]) for p in edits] == [("new_project", "wonderlan")]
        await wait_for(pilot, lambda: "4 ready" in text_of(app, "#counts"))


async def test_errors_filter_acknowledge_and_audit_trail() -> None:
    fake = FakeBackend(
        sample_requests(),
        errors=[
            error_record(1, "bob@example.org", "Keystone said no"),
            error_record(2, "dave@example.org", "SMTP refused"),
            error_record(3, "old@example.org", "long ago", acked="bob"),
        ],
    )
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await wait_for(pilot, lambda: screen_is(app, ErrorsScreen))
        screen = app.screen
        assert isinstance(screen, ErrorsScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 2)
        await pilot.press("slash", *"smtp", "enter")
        assert screen.table.row_count == 1
        await pilot.press("a")
        await wait_for(pilot, lambda: screen.table.row_count == 0)
        assert fake.errors[1]["acknowledged_by"] == "alice"
        await pilot.press("escape", "h")  # clear the filter, then show acknowledged too
        await wait_for(pilot, lambda: screen.table.row_count == 3)
        await pilot.press("t")
        await wait_for(pilot, lambda: screen_is(app, TrailModal))
        assert ("audit_trail", {"request_key": fake.errors[0]["request_key"]}) in fake.calls
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))


async def test_reset_password_by_reference_then_a_rerun_asks_again() -> None:
    """The dialog asks for the ticket's reference (no PIN field), says what the PIN is, clears
    the reference once sent, and turns the backend's needs_confirmation into a question."""
    fake = FakeBackend(sample_requests())
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        modal = app.screen
        assert not modal.query("#pin")
        note = str(modal.query_one("#reset-pin-note").render())
        assert "never see or type a PIN" in note and "works once" in note
        assert "setpass asks for it when the link is opened" in note  # what the PIN is for
        outcome = modal.query_one("#reset-outcome")
        await pilot.press(*"alice@example.org", "enter", "enter")
        assert "reset reference from the ticket is missing" in str(outcome.render())
        reference = modal.query_one("#reference", Input)
        await pilot.press(*"7K3QX-9W2HD", "enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("y")
        await wait_for(pilot, lambda: "mailed to alice@example.org" in str(outcome.render()))
        assert reference.value == ""
        sent = {"username": "alice@example.org", "reference": "7K3QX-9W2HD", "again": False}
        assert fake.calls[-1] == ("reset_password", sent)
        # the same user again, minutes later: the backend asks, the dialog asks the operator
        reference.value = "7K3QX-9W2HD"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        question = str(app.screen.query_one(Static).render())
        assert "was reset less than a minute ago by alice" in question and "again?" in question
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("n")
        await wait_for(pilot, lambda: "not reset: the password of" in str(outcome.render()))
        assert fake.calls[-1] == ("reset_password", sent)
        reference.value = "7K3QX-9W2HD"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: "✓ done" in str(outcome.render()))
        assert fake.calls[-1] == ("reset_password", {**sent, "again": True})
        # a refusal is shown as the backend's words
        modal.query_one("#username", Input).value = "admin"
        reference.value = "7K3QX-9W2HD"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: "reserved" in str(outcome.render()))
        assert reference.value == ""
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))


async def test_quota_flow_shows_current_requested_applied() -> None:
    fake = FakeBackend(
        sample_requests(),
        quota=[
            quota_view(2, "pi@example.org", "k2k", cores=40),
            quota_view(3, "x@y.org", "z", ram=9),
        ],
    )
    app = app_with(fake)
    async with app.run_test() as pilot:
        await loaded(pilot)
        await pilot.press("Q")
        await wait_for(pilot, lambda: screen_is(app, QuotaScreen))
        await wait_for(
            pilot, lambda: isinstance(app.screen, QuotaScreen) and app.screen.table.row_count == 2
        )
        await pilot.press("space", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        plan = str(app.screen.query_one("#plan-text", Static).render())
        assert "cores: 10 -> 40 -> 40" in plan
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running)
        assert [s.status for s in progress.states.values()] == ["done"]
        assert "apply_quota" in fake.ops() and "provision" not in fake.ops()
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, QuotaScreen))
        quota = app.screen
        assert isinstance(quota, QuotaScreen)
        await wait_for(pilot, lambda: "1 done" in text_of(app, "#counts"))
        done = [s.status for s in quota.table.states].index("done")
        quota.table.move_cursor(row=done)
        # the quota request went to the quota sheet's done tab, not the access one
        await wait_for(pilot, lambda: f"moved to {QUOTA_DONE}" in text_of(app, "#detail"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
