"""Quota change requests: the same select -> plan -> confirm -> progress flow, its own sheet."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from moc_tui.tui.kinds import QUOTA
from moc_tui.tui.screens.requests import RequestsScreen
from moc_tui.tui.widgets.requests_table import QUOTA_COLUMNS


class QuotaScreen(RequestsScreen):
    """Plans show current -> requested -> applied for every quota; `p` applies after confirm."""

    HELP_NAME = "Quota change requests"
    HELP_EXTRA = (("↑, ↓, PgUp, PgDn", "Move"),)
    kind = QUOTA
    columns = QUOTA_COLUMNS
    BINDINGS: ClassVar[list[BindingType]] = [
        *(b for b in RequestsScreen.BINDINGS if getattr(b, "action", "") not in ("plan", "escape")),
        Binding("p", "plan", "Apply quotas"),
        Binding("escape", "escape", "Back"),
    ]
