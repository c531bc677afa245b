"""A partly provisioned request keeps what its journal key is made of: the edit is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moc_tui.core.access import parse_access_requests
from moc_tui.core.access.keys import access_key
from moc_tui.core.journal import Journal
from moc_tui.core.settings import load_settings
from moc_tui.core.settings.columns import ACCESS_COLUMNS
from moc_tui.core.sheets import open_store
from moc_tui.core.table import read_table
from moc_tui.protocol.client import BackendClient, BackendError, dev_command
from tests.backend_settings import local_settings
from tests.sample_rows import access_row
from tests.tab_names import FORM


def test_the_project_of_a_partly_provisioned_request_cannot_change(tmp_path: Path) -> None:
    config = local_settings(tmp_path, [access_row(), access_row(email="bo@example.org")])
    settings = load_settings(config)
    rows = open_store(settings.access_sheet).read_tabs([FORM])[FORM]
    first, _ = parse_access_requests(read_table(FORM, rows, ACCESS_COLUMNS, "x")).requests
    journal = Journal(settings.state_dir / "journal.sqlite3")
    journal.step_done(access_key(first), "project_intent", {"name": "wonderland"})
    journal.step_done(access_key(first), "project", {"project_id": "p1", "name": "wonderland"})
    with BackendClient(dev_command(config)) as client:
        client.call("hello", {"operator": "alice"})
        one, two = client.call("list_access")["requests"]

        def edit(view: dict[str, Any], field: str, value: str) -> dict[str, Any]:
            params = {"row": view["row"], "fingerprint": view["fingerprint"]}
            return client.call("edit_access_field", {**params, "field": field, "value": value})

        with pytest.raises(BackendError) as refused:
            edit(one, "new_project", "elsewhere")
        assert refused.value.code == "bad_value"
        assert "row 2 is partly provisioned (project done)" in refused.value.message
        # what the key is not made of may change; a request not started may change at all
        one = edit(one, "description", "Another description")["request"]
        assert one["description"] == "Another description"
        edited = edit(two, "new_project", "elsewhere")["request"]
        assert edited["project"] == "elsewhere"
        # its key changed with its project: its trail, asked for by the new key, has the edit
        assert edited["request_key"] != two["request_key"]
        trail = client.call("audit_trail", {"request_key": edited["request_key"]})["records"]
        assert [(r["action"], r["detail"].get("field")) for r in trail] == [
            ("edit", "new_project"),
            ("rekeyed", "new_project"),
        ]
        assert (trail[0]["detail"]["old"], trail[0]["detail"]["value"]) == (
            two["project"],
            "elsewhere",
        )  # the trail says what the edit replaced
