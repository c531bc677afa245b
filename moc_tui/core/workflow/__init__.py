"""What every workflow shares: journaled steps, the mail outbox, failure records, row moves.

Provisioning, quota changes and password resets are built on this, so they resume after a crash
the same way and leave the same kind of errors-log and audit records.
"""

from moc_tui.core.workflow.batch import Batch, BatchResult, Failure, RowMover, SheetRow
from moc_tui.core.workflow.steps import (
    Cancelled,
    StepFailed,
    Steps,
    describe,
    link_marker,
    with_link,
)

__all__ = [
    "Batch",
    "BatchResult",
    "Cancelled",
    "Failure",
    "RowMover",
    "SheetRow",
    "StepFailed",
    "Steps",
    "describe",
    "link_marker",
    "with_link",
]
