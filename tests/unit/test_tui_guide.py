"""The operator guide keeps up with the code (issue 17): its key table of each screen is what
that screen's help lists, and it links every snapshot the tests draw."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from textual.screen import Screen

from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.activation import NotActivatedScreen
from moc_tui.tui.screens.confirm import ConfirmModal
from moc_tui.tui.screens.detail import DetailModal
from moc_tui.tui.screens.errors import ErrorsScreen
from moc_tui.tui.screens.help import key_rows, screen_name
from moc_tui.tui.screens.hold import ReasonModal
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.screens.plan import PlanModal
from moc_tui.tui.screens.quota import QuotaScreen
from moc_tui.tui.screens.reset import ResetModal
from moc_tui.tui.screens.session_log import SessionLogModal
from moc_tui.tui.screens.trail import TrailModal
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded, screen_is, wait_for
from tests.fixtures.tui_views import quota_view, sample_requests

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operator-guide.md"
SNAPSHOTS = ROOT / "tests" / "unit" / "__snapshots__" / "test_tui_snapshots"


def table_of(guide: str, name: str) -> list[str]:
    """The rows of the key table under `### name` in the guide."""
    match = re.search(rf"^### {re.escape(name)}\b.*?\n\n(.*?)(?:\n\n|\Z)", guide, re.M | re.S)
    assert match, f"the guide has no key table for {name}"
    return match.group(1).splitlines()[2:]


def markdown(rows: list[tuple[str, str]]) -> list[str]:
    return [
        f"| {', '.join(f'`{key}`' for key in keys.split(', '))} | {what} |" for keys, what in rows
    ]


async def test_each_key_table_is_what_the_screen_help_lists() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    fake = FakeBackend(sample_requests(), quota=[quota_view(2, "pi@example.org", "k2k", cores=40)])
    app = HelpdeskTui("alice", lambda: fake)
    seen: list[str] = []

    def check(screen: Screen[Any]) -> None:
        name = screen_name(screen)
        assert table_of(guide, name) == markdown(key_rows(screen)), name
        seen.append(name)

    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        check(app.screen)
        for key, kind in (("Q", QuotaScreen), ("E", ErrorsScreen), ("N", NotActivatedScreen),
                          ("t", TrailModal)):  # fmt: skip
            await pilot.press(key)
            await wait_for(pilot, lambda k=kind: screen_is(app, k))  # type: ignore[misc]
            check(app.screen)
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: screen_is(app, DetailModal))
        check(app.screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("L")
        await wait_for(pilot, lambda: screen_is(app, SessionLogModal))
        check(app.screen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("space", "p")
        await wait_for(pilot, lambda: screen_is(app, PlanModal))
        check(app.screen)
        await pilot.press("escape", "x")
        await wait_for(pilot, lambda: screen_is(app, ResetModal))
        check(app.screen)
        await pilot.press(*"alice@example.org", "enter", *"7K3QX-9W2HD", "enter")
        await wait_for(pilot, lambda: screen_is(app, ConfirmModal))
        check(app.screen)
        await pilot.press("n", "escape")
        await wait_for(pilot, lambda: screen_is(app, PendingScreen))
        await pilot.press("h")
        await wait_for(pilot, lambda: screen_is(app, ReasonModal))
        check(app.screen)
    assert len(seen) == 11


def test_the_guide_links_every_snapshot() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    linked = {
        Path(unquote(link)).name
        for link in re.findall(r"\((\.\./tests/unit/__snapshots__/[^)]+\.svg)\)", guide)
    }
    drawn = {path.name for path in SNAPSHOTS.glob("*.svg")}
    assert drawn and drawn <= linked, sorted(drawn - linked)
