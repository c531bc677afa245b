"""The access list at 80 columns keeps an email's domain; the name gives way (issue 17)."""

from __future__ import annotations

from rich.text import Text

from moc_tui.tui.app import HelpdeskTui
from tests.fixtures.tui_backend import FakeBackend
from tests.fixtures.tui_pilot import loaded
from tests.fixtures.tui_views import access_view

EMAIL = "wes.e3741b4e@example.org"  # 24 characters, as the stack's test users have


async def test_the_email_keeps_its_domain_at_80_columns() -> None:
    fake = FakeBackend([access_view(2, EMAIL, first_name="Wesley", last_name="Crusher")])
    app = HelpdeskTui("alice", lambda: fake)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await loaded(pilot)
        width = next(c.width for c in table.columns.values() if c.key.value == "email")
        assert width >= len(EMAIL)
        email = table.get_row_at(0)[3]
        assert isinstance(email, Text) and email.plain == EMAIL
