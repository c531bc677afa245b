"""One rule set: the edit form (Pilot) and the backend agree on every problem of every sample and
hostile row. Opened, the form shows the problems the parser found; typed into, it shows exactly
the problems the backend's edit op refuses the value with, and nothing when the op accepts it.

The TUI runs against the real backend ops in this process (`Session.handle`, the wire's schema
checks and a JSON round trip), over a local sheet store; no cloud is needed for listing and
editing, and the project look-ups are answered "unavailable" (the form then falls back).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from moc_tui.backend.ops import Session
from moc_tui.backend.views import LONG, load_fingerprint_key
from moc_tui.core.access import AccessRequest, parse_access_requests
from moc_tui.core.access.problems import VALUE_MAX
from moc_tui.core.settings import load_settings
from moc_tui.core.sheets.local import LocalSheetStore
from moc_tui.core.table import read_table
from moc_tui.core.text import visible
from moc_tui.protocol.client import BackendError
from moc_tui.protocol.events import EventCallback
from moc_tui.protocol.views import is_access
from moc_tui.protocol.wire import ProtocolError, validate
from moc_tui.tui.app import HelpdeskTui
from moc_tui.tui.screens.edit import FIELDS, EditModal
from moc_tui.tui.screens.pending import PendingScreen
from moc_tui.tui.text import plain
from tests.fixtures.tui_local import SETTINGS
from tests.fixtures.tui_pilot import screen_is, wait_for
from tests.hostile_values import (
    HOSTILE,
    LITERAL_TEXT,
    LONG_TEXT,
    REFUSED_EMAILS,
    REFUSED_NAMES,
    REFUSED_PINS,
    REFUSED_PROJECTS,
)
from tests.sample_rows import ACCESS_HEADER, access_row
from tests.tab_names import ACCESS_DONE, FORM

SAMPLES: list[dict[str, str]] = [
    {},
    {"organization": ""},
    {"role": "", "sponsor": ""},
    {"first_name": "", "last_name": "   "},
    {"pin": "12345"},
    {"pin": ""},
    {"has_account": "Yes", "pin": ""},
    {"new_project": ""},
    {"new_project": "", "project_choice": "An existing project"},
    {"new_project": "", "existing_project": "admin"},
    {"new_project": "", "existing_project": "Mix & Match"},
    {"extra_users": "ok@example.org, bad@"},
    {"email": "S0@example.org", "new_project": "other"},  # the same user as the first row
    {"new_project": "S0-LAB"},  # the first row's new project
]
HOSTILE_VALUES = [v for v in HOSTILE if "\ud800" not in v and len(v) < 60_000] + [
    *LITERAL_TEXT,
    *LONG_TEXT,
    *REFUSED_PROJECTS,
    *REFUSED_NAMES,
]


def sheet_rows() -> list[list[str]]:
    """The sample rows, then hostile values in every field the form edits, emails and PINs."""
    rows = [
        access_row(
            **{"timestamp": f"s{n}", "email": f"s{n}@example.org", "new_project": f"s{n}-lab"}
            | sample
        )
        for n, sample in enumerate(SAMPLES)
    ]
    for n, value in enumerate(HOSTILE_VALUES):
        rows.append(
            access_row(
                email=f"h{n}@example.org",
                timestamp=f"h{n}",
                first_name=value,
                last_name=value[:100],
                organization=value,
                sponsor=value,
                new_project=value,
                description=value,
            )
        )
    rows += [access_row(email=e, timestamp=f"e{n}") for n, e in enumerate(REFUSED_EMAILS)]
    rows += [
        access_row(email=f"pin{n}@example.org", pin=p, timestamp=f"p{n}")
        for n, p in enumerate(REFUSED_PINS)
    ]
    return rows


class InProcessBackend:
    """The real backend's ops in this process, replies and errors as the client sees them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def call(
        self,
        op: str,
        params: Mapping[str, object] | None = None,
        *,
        on_event: EventCallback | None = None,
    ) -> dict[str, Any]:
        if op == "suggest_projects":  # needs Keystone: answered as when it is down
            raise BackendError("unavailable", "the project list is unavailable")
        try:
            checked = validate(op, json.loads(json.dumps(params or {})))
            reply = self.session.handle(op, checked, lambda _event: None)  # edits emit none
        except ProtocolError as error:
            raise BackendError(
                error.code, error.message, json.loads(json.dumps(error.extra))
            ) from None
        result: dict[str, Any] = json.loads(json.dumps(reply))
        return result

    def close(self, timeout: float = 600) -> int:
        return 0

    def cancel_running(self) -> int:
        return 0


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[InProcessBackend]:
    store = LocalSheetStore(tmp_path / "access.db")
    store.ensure_tabs([FORM, ACCESS_DONE])
    store.append_rows(FORM, [ACCESS_HEADER, *sheet_rows()])
    store.append_rows(ACCESS_DONE, [ACCESS_HEADER])
    path = tmp_path / "settings.ini"
    path.write_text(SETTINGS.format(store=tmp_path / "access.db", state=tmp_path / "state"))
    path.chmod(0o600)
    settings = load_settings(path)
    load_fingerprint_key(settings.state_dir)
    session = Session(settings)
    yield InProcessBackend(session)
    session.close()


def parsed_requests(backend: InProcessBackend) -> list[AccessRequest]:
    """The parser's requests, read straight from the store (not through the backend's views)."""
    settings = backend.session.settings
    tabs = backend.session.services.store.read_tabs([FORM])  # type: ignore[union-attr]
    table = read_table(FORM, tabs[FORM], settings.access_columns, "access_columns")
    return list(parse_access_requests(table, settings.project_aliases).requests)


def shown_problems(modal: EditModal) -> list[str]:
    text = str(modal.query_one("#edit-problems", Static).render())
    return [line for line in text.splitlines() if line.startswith("▲ ")]


def lines(problems: list[str] | tuple[str, ...]) -> list[str]:
    """Problems as the form draws them (the backend's view of each, then the TUI's cut)."""
    return [f"▲ {plain(visible(p, LONG), 150)}" for p in problems]


async def open_pending(pilot: Any, rows: int) -> PendingScreen:
    app = pilot.app
    await wait_for(pilot, lambda: screen_is(app, PendingScreen), 30)
    screen = app.screen
    assert isinstance(screen, PendingScreen)
    await wait_for(pilot, lambda: screen.table.row_count == rows, 30)
    return screen


async def test_the_form_shows_every_problem_the_parser_found(backend: InProcessBackend) -> None:
    app = HelpdeskTui("alice", lambda: backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pending(pilot, len(sheet_rows()))
        by_row = {r.row: r for r in parsed_requests(backend)}
        assert len(by_row) == len(sheet_rows())
        seen: dict[int, list[str]] = {}
        for state in list(screen.table.states):
            assert is_access(state.view)
            app.push_screen(EditModal(screen.link, state.view, []))
            await wait_for(pilot, lambda: screen_is(app, EditModal))
            modal = app.screen
            assert isinstance(modal, EditModal)
            seen[int(state.view["row"])] = shown_problems(modal)
            modal.dismiss(False)
            await wait_for(pilot, lambda: app.screen is screen)
    for row, request in by_row.items():
        assert sorted(seen[row]) == sorted(lines(request.problems)), row
    # the rules the form used to leave out: a blank Organization, the PIN
    assert "▲ organization is blank" in seen[3]
    assert "▲ PIN must be exactly four digits 0-9" in seen[6]
    assert "▲ PIN is missing" in seen[7] and seen[8] == []
    assert "▲ duplicate request: row 2 is for the same user" in seen[14]
    assert sum(1 for found in seen.values() if found) > len(HOSTILE_VALUES)


TYPED = [
    "",
    "   ",
    "ok-name",
    "Mix & Match",
    *REFUSED_PROJECTS,
    *REFUSED_NAMES,
    "x" * 65,
    "y" * 2001,
    "[@click=app.quit]Alice[/]",
    "Eve\x1b]2;PWNED\x07",
]
FORM_TO_COLUMN = {"project": "new_project"}


async def test_typing_shows_exactly_what_the_backend_refuses(backend: InProcessBackend) -> None:
    app = HelpdeskTui("alice", lambda: backend)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_pending(pilot, len(sheet_rows()))
        [state] = [s for s in screen.table.states if s.view["row"] == 2]  # a row with no problem
        assert is_access(state.view)
        view = state.view.copy()
        app.push_screen(EditModal(screen.link, view, []))
        await wait_for(pilot, lambda: screen_is(app, EditModal))
        modal = app.screen
        assert isinstance(modal, EditModal)
        refused_count = 0
        for name, _label in FIELDS:
            box = modal.query_one(f"#f-{name}", Input)
            original = box.value
            for value in TYPED:
                column = FORM_TO_COLUMN.get(name, name)
                params = {"row": 2, "fingerprint": view["fingerprint"], "field": column}
                try:
                    reply = backend.call("edit_access_field", {**params, "value": value})
                except BackendError as error:
                    refused_count += 1
                    if error.code == "bad_params":  # the wire's own limit, before the op
                        assert len(value) > VALUE_MAX, error.message
                        expected = [
                            f"the value is {len(value)} characters; at most 2000 can be saved"
                        ]
                    else:
                        assert error.code == "bad_value", error.message
                        expected = error.data["problems"]
                else:
                    expected = []
                    view["fingerprint"] = reply["request"]["fingerprint"]
                box.value = value
                await pilot.pause()
                want = lines(expected)
                if value.strip() == original.strip():  # unchanged: nothing to refuse or send
                    want = []
                await wait_for(pilot, lambda: shown_problems(modal) == want, 3)  # noqa: B023
                assert bool(modal.validate_all()) == bool(want), (name, value)
            box.value = original
        assert refused_count > len(FIELDS) * 5
