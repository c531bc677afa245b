"""A request as the requests table shows it (no Textual): its status, its reason, its cells'
values and what a filter searches in it; the columns of each list.

Every value is untrusted: `column_value` gives the plain value, the table makes it a literal
cell. Status is always glyph + word, never colour alone (NO_COLOR).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rich.text import Text

from moc_tui.protocol.views import RequestView, is_access, is_quota
from moc_tui.tui.filtering import row_fields
from moc_tui.tui.text import cell, plain

View = RequestView

READY, PROBLEM, RUNNING, DONE, FAILED = "ready", "problem", "in progress", "done", "failed"
HELD, DENIED = "held", "denied"  # by the helpdesk (`screens.hold`): not pending until released
HELD_STATES = (HELD, DENIED)
GLYPHS = {READY: "●", PROBLEM: "▲", RUNNING: "…", DONE: "✓", FAILED: "✗", HELD: "⏸", DENIED: "✗"}
STYLES = {READY: "", PROBLEM: "yellow", RUNNING: "cyan", DONE: "green", FAILED: "bold white on red"}
STYLES |= {HELD: "magenta", DENIED: "magenta"}
SELECTABLE = {READY, FAILED}


@dataclass
class RowState:
    """A request as the table shows it: the backend's view plus what this session did to it."""

    key: str
    view: View
    status: str = READY
    reason: str = ""
    columns: Sequence[str] = field(default_factory=tuple)
    _haystack: tuple[str, dict[str, str]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, key: str, view: View) -> RowState:
        hold = view["hold"] if is_access(view) else None  # a quota request is never held
        if hold is not None:
            return cls(key, view, hold["kind"], hold["reason"])
        if view["problems"]:
            return cls(key, view, PROBLEM, view["problems"][0])
        return cls(key, view)

    def haystack(self, spec: Sequence[tuple[str, str, int]]) -> dict[str, str]:
        """What the filter searches (`filtering.row_fields`): what the operator sees of the
        row (its columns by header, and the reason under the table), never hidden fields such
        as the fingerprint or key. Built once per status and reason (5,000 rows, every
        keystroke)."""
        cached = self._haystack
        if cached is None or cached[0] != self.status + "\0" + self.reason:
            shown = {"Status": self.status, "Row": str(self.view["row"])}
            shown |= {label: plain(column_value(self.view, k), CELL_LIMIT) for k, label, _ in spec}
            cached = self._haystack = (
                self.status + "\0" + self.reason,
                row_fields(shown, [self.reason]),
            )
        return cached[1]


def name_of(view: View) -> str:
    return f"{view['first_name']} {view['last_name']}".strip()


def status_cell(state: RowState) -> Text:
    text = f"{GLYPHS.get(state.status, '?')} {state.status}"
    if state.status in HELD_STATES:  # the reason in the table too (in full under it)
        text += f": {state.reason}"
    return cell(text, 13, STYLES.get(state.status, ""))


# (key, label, width at 80 columns); wider terminals share the extra columns in proportion
# at 80 columns the email keeps its domain (`first.last@example.edu`); the name gives way
ACCESS_COLUMNS: list[tuple[str, str, int]] = [
    ("email", "Email", 24),
    ("name", "Name", 11),
    ("project", "Project", 13),
]
QUOTA_COLUMNS: list[tuple[str, str, int]] = [
    ("email", "Email", 18),
    ("project", "Project", 12),
    ("requested", "Requested", 18),
]
FIXED = 1 + 13 + 4  # the mark, status and row columns
CELL_LIMIT = 120  # longer values are cut here; the column width crops further, with an ellipsis


def widths(spec: list[tuple[str, str, int]], total: int) -> list[int]:
    """Column widths for a table `total` cells wide: at least the 80-column widths."""
    base = [w for _, _, w in spec]
    spare = total - FIXED - 2 * (len(spec) + 3) - 2 - sum(base)  # padding and a scrollbar
    if spare <= 0:
        return base
    return [w + spare * w // sum(base) for w in base]


def column_value(view: View, column: str) -> str:
    if column == "name":
        return name_of(view)
    if column == "requested":
        requested = view["requested"] if is_quota(view) else {}
        return ", ".join(f"{k}={v}" for k, v in requested.items())
    return str(view.get(column, ""))


def unique_keys(views: Iterable[View]) -> list[tuple[str, View]]:
    """(key, view) with keys unique even when two rows share a request key (duplicates)."""
    seen: set[str] = set()
    out = []
    for view in views:
        key = view["request_key"] or f"row-{view['row']}"
        if key in seen:
            key = f"{key}@{view['row']}"
        seen.add(key)
        out.append((key, view))
    return out
