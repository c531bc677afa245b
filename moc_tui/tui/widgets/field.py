"""An Input whose cursor does not blink: no redraw traffic over SSH, stable snapshots."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input


class SteadyInput(Input):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_reactive(Input.cursor_blink, False)
