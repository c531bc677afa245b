"""Quota sheet rows -> requests: blank is unchanged, GB -> MB, bad numbers named."""

from __future__ import annotations

from moc_tui.core.quota import ParsedQuotaTab, parse_quota_requests
from moc_tui.core.settings.columns import QUOTA_COLUMNS
from moc_tui.core.table import read_table
from tests.sample_rows import QUOTA_HEADER as HEADER
from tests.sample_rows import quota_row as row
from tests.tab_names import FORM


def parse(*rows: list[str]) -> ParsedQuotaTab:
    table = read_table(FORM, [HEADER, *rows], QUOTA_COLUMNS, "quota_columns")
    return parse_quota_requests(table, {"instances": 100})


def test_blank_means_unchanged_and_ram_is_converted_to_mb() -> None:
    [request] = parse(row(instances="20", ram="1.5", port="", gigabytes=" 2000 ")).requests
    assert request.ok, request.problems
    assert request.requested == {"instances": 20, "ram": 1536, "gigabytes": 2000}


def test_bad_numbers_are_named_and_nothing_is_requested_from_them() -> None:
    [request] = parse(
        row(
            instances="ten",
            cores="-2",
            ram="1e3",
            volumes="-1",
            floatingip="１２",
            network="101",
            snapshots="5",
        )
    ).requests
    assert request.problems == (
        "instances must be a whole number (or -1 for unlimited), not 'ten'",
        "cores must be a whole number (or -1 for unlimited), not '-2'",
        "ram must be a number of GB (or -1 for unlimited), not '1e3'",
        "floatingip must be a whole number (or -1 for unlimited), not '１２'",
        "network 101 is above the ceiling of 100; check it",
    )
    assert request.requested == {"volumes": -1, "snapshots": 5}


def test_configured_ceiling_and_empty_requests() -> None:
    first, empty = parse(row(instances="101"), row(project="other")).requests
    assert first.problems == ("instances 101 is above the ceiling of 100; check it",)
    assert empty.problems == ("no quota is filled in: nothing to change",)


def test_a_second_request_for_the_same_project_waits() -> None:
    first, second = parse(row(cores="40"), row(project="K2K", cores="80")).requests
    assert first.ok
    assert second.problems == ("row 2 also changes this project's quotas; do that one first",)


def test_reserved_projects_and_bad_emails_are_refused() -> None:
    [request] = parse(row(project="admin", email="x@y", cores="4")).requests
    assert request.problems == (
        "the domain of 'x@y' is not a valid domain name",
        "project name 'admin' is reserved for the cloud itself",
    )
