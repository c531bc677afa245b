"""What every op of a backend session shares: the settings, the operator, the locks.

The ops of each request kind (`access`, `quota`, `reset`, `records`, `lookup`) are mixins of
this base; `Session` (in `__init__`) combines them and dispatches through the one handler table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from moc_tui.backend import roles, views
from moc_tui.backend.locks import Busy, Locks
from moc_tui.core.services import Services
from moc_tui.core.settings import Settings
from moc_tui.core.workflow.steps import never
from moc_tui.protocol.wire import ProtocolError as Refused


class SessionState:
    """One TUI session's state: the operator named by `hello`, the services, the locks."""

    def __init__(self, settings: Settings, operators_map: Path | None = None) -> None:
        self.settings = settings
        self.operators_map = operators_map  # where roles are read (`roles`); None: development
        self.role = roles.Role.OPERATOR
        self.operator: str | None = None
        self.services: Services | None = None
        self.sudo_user = os.environ.get("SUDO_USER", "")
        self.cancelled: Callable[[], bool] = never  # set by the server around a cancellable op

    def close(self) -> None:
        if self.services is not None:
            self.services.__exit__(None, None, None)

    @property
    def tab(self) -> str:
        return self.settings.access_sheet.requests_tab

    @property
    def locks(self) -> Locks:
        return Locks(self.settings.state_dir / "locks", self.operator or "?")

    def _busy(self, error: Busy, keys: dict[str, int]) -> Refused:
        return Refused(
            "busy",
            f"row {keys.get(error.key, '?')}: {error}",
            row=keys.get(error.key),
            holder=views.clean(error.holder, views.SHORT),
        )
