"""Progress events of a provisioning run (shared by every workflow; defined in workflow.events)."""

from __future__ import annotations

from moc_tui.core.workflow.events import (
    Event,
    RowDone,
    RowFailed,
    RowsMoved,
    RowStarted,
    RowWarning,
    StepDone,
)

__all__ = ["Event", "RowDone", "RowFailed", "RowStarted", "RowWarning", "RowsMoved", "StepDone"]
