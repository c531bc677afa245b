"""The TUI tests' fake and the real backend cannot drift apart.

One Pilot flow (select all, plan, the sheet changes under one row, confirm, progress) runs
against the real backend process on the whole stack and against the fake of
`tests/fixtures/tui_backend.py`.
Both must give each row the same outcome through the same steps, and every reply and event
either sent must have the shape its protocol type declares (checked at run time, key by key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.protocol.client import BackendClient, dev_command
from moc_tui.protocol.events import EventCallback, ProgressEvent
from moc_tui.protocol.replies import REPLIES
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.backend_link import Backend
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.progress import ProgressScreen
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.stack import MakeStack
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import screen_is, wait_for
from tests.fixtures.tui_views import access_view, fingerprint
from tests.protocol_shapes import problems
from tests.sample_rows import access_row
from tests.tab_names import FORM

Outcome = dict[str, tuple[str, list[str], str]]  # email -> (status, steps, reason)
NAMES = ("wes", "xia", "yan")  # yan's row changes in the sheet between plan and confirm


class Recording:
    """A backend whose replies and events are kept, to check their shapes afterwards."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.replies: list[tuple[str, dict[str, Any]]] = []
        self.events: list[ProgressEvent] = []

    def call(
        self,
        op: str,
        params: Mapping[str, object] | None = None,
        *,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]:
        def heard(event: ProgressEvent) -> None:
            self.events.append(event)
            if on_event is not None:
                on_event(event)

        reply = self.inner.call(op, params, on_event=heard)
        self.replies.append((op, reply))
        return reply

    def close(self, timeout: float = 600) -> int:
        return self.inner.close(timeout)

    def cancel_running(self) -> int:
        return self.inner.cancel_running()

    def shape_problems(self) -> list[str]:
        found = [p for op, reply in self.replies for p in problems(reply, REPLIES[op], op)]  # type: ignore[index]
        return found + [p for e in self.events for p in problems(e, ProgressEvent, "event")]


async def confirm_all(recording: Recording, change: Callable[[], None]) -> Outcome:
    """The operator's flow: all ready rows, plan, (the sheet changes), confirm, wait."""
    app = HelpdeskTui("alice", lambda: recording)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_is(app, PendingScreen), 60)
        screen = app.screen
        assert isinstance(screen, PendingScreen)
        await wait_for(pilot, lambda: screen.table.row_count == len(NAMES), 60)
        await pilot.press("a", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal), 60)
        change()
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_is(app, ProgressScreen), 60)
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await wait_for(pilot, lambda: not progress.running, 180)
        return {
            s.view["email"].split(".")[0]: (s.status, progress.steps[s.key], s.reason)
            for s in progress.states.values()
        }


def check(outcome: Outcome) -> None:
    assert {name: status for name, (status, _, _) in outcome.items()} == {
        "wes": "done",
        "xia": "done",
        "yan": "failed",
    }
    assert "changed since it was shown" in outcome["yan"][2]
    assert outcome["wes"][1] == outcome["xia"][1]


@pytest.mark.keystone
async def test_the_fake_and_the_real_backend_agree_on_a_batch_with_a_changed_row(
    make_stack: MakeStack, keystone_admin: KeystoneAdmin
) -> None:
    stack = make_stack([])
    s = stack.suffix
    emails = [f"{name}.{s}@example.org" for name in NAMES]
    stack.store.append_rows(
        FORM,
        [
            access_row(email=e, new_project=f"{n}-{s}", timestamp=f"t{i}")
            for i, (n, e) in enumerate(zip(NAMES, emails, strict=True))
        ],
    )
    column = list(ACCESS_COLUMNS).index("description") + 1

    def edit_in_the_sheet() -> None:
        stack.store.write_cells(FORM, {(4, column): "changed after the plan"})

    real = Recording(BackendClient(dev_command(stack.settings_path)))
    real_outcome = await confirm_all(real, edit_in_the_sheet)

    pairs = enumerate(zip(NAMES, emails, strict=True))
    fake_backend = FakeBackend([access_view(i + 2, e, project=f"{n}-{s}") for i, (n, e) in pairs])

    def edit_the_fake() -> None:
        yan = fake_backend.requests[2]
        yan["description"] = "changed after the plan"
        yan["fingerprint"] = fingerprint(yan)

    fake = Recording(fake_backend)
    fake_outcome = await confirm_all(fake, edit_the_fake)

    check(real_outcome)
    check(fake_outcome)
    # the same steps for the rows done, the same step names on the progress screen
    assert fake_outcome["wes"][1] == real_outcome["wes"][1], (fake_outcome, real_outcome)
    ops = [op for op, _ in real.replies]
    assert ops.count("provision") == 1 and [op for op, _ in fake.replies] == ops
    assert real.shape_problems() == []
    assert fake.shape_problems() == []
    stack.remove_cloud_objects(keystone_admin)
