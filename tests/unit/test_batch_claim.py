"""A confirmed batch starts from the plan's read: one tab read (under the locks) when the plan
still holds every row as shown, a fresh read first when it does not; the outcome is the same."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from moc_tui.backend import views
from moc_tui.backend.batch_claim import CHANGED, Tabs, claim_rows
from moc_tui.core.journal import Journal
from moc_tui.core.locks import Locks

TAB = "Form Responses 1"


@dataclass(frozen=True)
class Row:
    row: int
    cells: tuple[str, ...]
    email: str = "a@example.org"
    problems: tuple[str, ...] = ()


class Sheet:
    """The tab as it is now; counts the reads."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.reads = 0

    def read(self) -> tuple[Tabs, Sequence[Row]]:
        self.reads += 1
        return {TAB: [r.cells for r in self.rows]}, list(self.rows)


def shown(row: Row) -> tuple[int, str]:
    return row.row, views.fingerprint(TAB, row.row, row.cells)


Outcome = tuple[list[int], list[tuple[int, str]]]  # rows claimed, (row, why) of the others


def claimed(tmp_path: Path, sheet: Sheet, rows: list[Row], planned: list[Row] | None) -> Outcome:
    journal = Journal(tmp_path / "journal.sqlite3")
    with claim_rows(
        Locks(tmp_path / "locks", "alice"),
        journal,
        TAB,
        [shown(r) for r in rows],
        sheet.read,
        key_of=lambda r: r.cells[0],
        lock_keys=lambda r: [r.cells[0]],
        planned=planned,
    ) as result:
        return [r.row for r in result.requests], [(f["row"], f["message"]) for f in result.failed]


def test_the_plans_read_finds_the_locks_and_the_read_under_them_decides(tmp_path: Path) -> None:
    ann, bo = Row(2, ("ann",)), Row(3, ("bo",))
    sheet = Sheet([ann, bo])
    assert claimed(tmp_path, sheet, [ann, bo], planned=[ann, bo]) == ([2, 3], [])
    assert sheet.reads == 1  # under the locks only
    # changed after the plan: the plan's read still matches, the read under the locks does not
    sheet.rows = [ann, Row(3, ("bo", "edited"))]
    assert claimed(tmp_path, sheet, [ann, bo], planned=[ann, bo]) == (
        [2],
        [(3, f"row 3 {CHANGED}")],
    )


def test_a_plan_read_that_no_longer_matches_is_read_again(tmp_path: Path) -> None:
    ann, bo = Row(2, ("ann",)), Row(3, ("bo",))
    sheet = Sheet([ann, bo])
    stale = [ann, Row(3, ("bo", "before"))]  # the operator was shown `bo` after the plan read
    assert claimed(tmp_path, sheet, [ann, bo], planned=stale) == ([2, 3], [])
    assert sheet.reads == 2
    assert claimed(tmp_path, sheet, [ann, bo], planned=None) == ([2, 3], [])
    assert sheet.reads == 4
