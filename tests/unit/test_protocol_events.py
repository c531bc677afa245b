"""The event contract: every kind's fields cross the wire and come back as the same typed event;
a kind or a shape the TUI does not know is dropped, never handed on half-read."""

from __future__ import annotations

from typing import get_type_hints

from moc_tui.backend.views import event_view
from moc_tui.core.workflow import events as core
from moc_tui.protocol.events import FIELDS, TYPES, EventKind, ProgressEvent, join, split
from tests.protocol_shapes import problems
from tests.tab_names import ACCESS_DONE

ONE_OF_EACH: list[core.Event] = [
    core.RowStarted(2, "a@example.org", "access-" + "0" * 20),
    core.StepStarted(2, "project"),
    core.StepDone(2, "project", {"project_id": "p1"}, resumed=True),
    core.RowWarning(2, "mail delayed"),
    core.RowDone(2),
    core.RowFailed(3, "user", "Keystone said no"),
    core.RowCancelled(4, ""),
    core.RowsMoved((2, 5), ACCESS_DONE),
]


def test_each_kind_names_its_own_typed_dict() -> None:
    for kind, cls in TYPES.items():
        [literal] = get_type_hints(cls)["kind"].__args__
        assert literal is kind
        assert FIELDS[kind] == set(get_type_hints(cls)) - {"kind"}
    assert set(TYPES) == set(EventKind)


def test_every_core_event_crosses_the_wire_and_comes_back_typed() -> None:
    seen = set()
    for item in ONE_OF_EACH:
        event = event_view(item)
        assert problems(event, ProgressEvent) == []
        kind, data = split(event)
        assert "kind" not in data
        assert join(str(kind), data) == event
        seen.add(kind)
    assert seen == set(EventKind)  # one of each kind, and the backend builds every one


def test_an_unknown_kind_or_shape_is_dropped() -> None:
    assert join("row_exploded", {"row": 2}) is None
    assert join("row_done", {"row": 2, "extra": 1}) is None
    assert join("step_done", {"row": 2}) is None
    assert join("row_done", {"row": 2}) == {"kind": EventKind.ROW_DONE, "row": 2}
