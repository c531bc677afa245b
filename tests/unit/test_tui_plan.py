"""The plan dialog (issue 17): the skipped requests first with their reasons, more than one
request in sight at 100x30, and it scrolls with the usual keys while focus is on Cancel."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Button, Static

from moc_tui.backend.views import plan_view
from moc_tui.core.access.decide import Decision, Verb
from moc_tui.core.access.plan import QuotaChange, RequestPlan
from moc_tui.core.step_names import Step
from moc_tui.protocol.replies import AccessPlans
from moc_tui.protocol.views import AccessPlanView, AccessView
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.plan import PlanModal
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_batch import Events, find_as_shown
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import sample_requests
from tests.tab_names import ACCESS_DONE


def real_plan(view: AccessView) -> AccessPlanView:
    """What the backend's planner says of a new user in a new project (core's own words)."""
    email = view["email"]
    planned = RequestPlan(
        row=view["row"],
        email=email,
        request_key=view["request_key"],
        project=view["project"],
        creates_project=True,
        user=email,
        creates_user=True,
        role="member",
        quota_changes=tuple(
            QuotaChange(n, None, v) for n, v in (("cores", 20), ("instances", 10), ("ram", 51200))
        ),
        extra_users=(),
        mails=(("welcome", email), ("password", email), ("new_project", email)),
        move_to=ACCESS_DONE,
        done_steps=(),
        problems=tuple(view["problems"]),
        decisions=(
            Decision(Step.PROJECT, Verb.CREATE, view["project"], own=True),
            Decision(Step.QUOTAS, Verb.CREATE, view["project"]),
            Decision(Step.USER, Verb.CREATE, email, own=True),
            Decision(Step.MEMBER, Verb.CREATE, view["project"]),
            Decision(Step.EXTRA_USERS, Verb.SKIP),
            Decision(Step.SETPASS, Verb.CREATE, email),
            Decision(Step.MAILS_QUEUED, Verb.CREATE),
            Decision(Step.SHEET, Verb.CREATE),
        ),
    )
    return plan_view(planned)


class PlanningBackend(FakeBackend):
    def op_plan_access(self, params: dict[str, Any], emit: Events) -> AccessPlans:
        return {"plans": [real_plan(find_as_shown(self.requests, r)) for r in params["rows"]]}


async def test_skipped_first_two_requests_in_sight_and_scrolling_from_cancel() -> None:
    app = HelpdeskTui("alice", lambda: PlanningBackend(sample_requests()))
    async with app.run_test(size=(100, 30)) as pilot:
        table = await loaded(pilot)
        table.selected |= {s.key for s in table.states}  # carol (row 4, a problem) included
        await pilot.press("p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        dialog = app.screen
        lines = str(dialog.query_one("#plan-text", Static).render()).splitlines()
        assert lines[0] == (
            "3 of 4 requests will be provisioned on keystone.example.org; 1 skipped, listed first"
        )
        assert lines[2].startswith("✗ skipped row 4  carol@example.org")
        assert lines[3] == "    because: project name is missing"
        headings = [n for n, line in enumerate(lines) if line.startswith("✓ row")]
        assert len(headings) == 3
        quotas = "quotas: cores default -> 20, instances default -> 10, ram default -> 51200"
        assert f"    {quotas}" in lines
        assert "    mail welcome, set-password, new-project to alice@example.org" in lines
        body = dialog.query_one("#confirm-body", VerticalScroll)
        assert headings[1] < body.scrollable_content_region.height  # two requests in sight
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        await pilot.press("down")
        await wait_for(pilot, lambda: body.scroll_y == 1)
        await pilot.press("j")
        await wait_for(pilot, lambda: body.scroll_y == 2)
        await pilot.press("k")
        await wait_for(pilot, lambda: body.scroll_y == 1)
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y > 2)
        await pilot.press("home")
        await wait_for(pilot, lambda: body.scroll_y == 0)
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 2)
        assert isinstance(app.focused, Button) and app.focused.id == "cancel"
        assert screen_is(app, PlanModal)  # no key above pressed Cancel
