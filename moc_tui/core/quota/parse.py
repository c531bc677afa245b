"""Rows of the quota sheet -> QuotaRequest, with every problem in plain words.

Blank means unchanged. Numbers are plain ASCII whole numbers (RAM may have a decimal part, in GB),
never negative except -1 (unlimited), never above a ceiling (a typo such as 10000 instances is
caught before it reaches the cloud). The original crashed on `int("ten")`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from moc_tui.core.access.parse import is_pending
from moc_tui.core.identifiers import canonical, email_problems, project_name_problems
from moc_tui.core.quota.request import QuotaRequest
from moc_tui.core.quota_keys import QUOTA_FORM_FIELDS
from moc_tui.core.table import Table
from moc_tui.core.text import trim

# Largest value accepted per quota (in the form's units: RAM in GB); -1 means unlimited.
DEFAULT_CEILINGS: dict[str, int] = {
    "instances": 500,
    "cores": 2000,
    "ram": 8192,
    "floatingip": 100,
    "network": 100,
    "port": 5000,
    "volumes": 1000,
    "snapshots": 1000,
    "gigabytes": 100_000,
}

_WHOLE = re.compile(r"-1|[0-9]+")
_GIGABYTES = re.compile(r"-1|[0-9]+(\.[0-9]+)?")


def _parse_value(field: str, raw: str, ceiling: int) -> tuple[int | None, str | None]:
    pattern = _GIGABYTES if field == "ram" else _WHOLE
    if not pattern.fullmatch(raw):
        kind = "a number of GB" if field == "ram" else "a whole number"
        return None, f"{field} must be {kind} (or -1 for unlimited), not {raw!r}"
    amount = Decimal(raw)
    if amount > ceiling:
        return None, f"{field} {raw} is above the ceiling of {ceiling}; check it"
    if field == "ram" and amount != -1:
        return int(amount * 1024), None
    return int(amount), None


def _parse_row(
    table: Table, number: int, cells: tuple[str, ...], ceilings: Mapping[str, int]
) -> QuotaRequest:
    value = {f: trim(table.cell(cells, f)) for f in table.columns}
    problems = list(email_problems(value.get("email", "")))
    project = value.get("project", "")
    problems += project_name_problems(project, new=False)
    requested: dict[str, int] = {}
    for field in QUOTA_FORM_FIELDS:
        raw = value.get(field, "")
        if not raw:
            continue
        amount, problem = _parse_value(field, raw, ceilings.get(field, DEFAULT_CEILINGS[field]))
        if problem:
            problems.append(problem)
        elif amount is not None:
            requested[field] = amount
    if not requested and not problems:
        problems.append("no quota is filled in: nothing to change")
    return QuotaRequest(
        row=number,
        cells=cells,
        timestamp=value.get("timestamp", ""),
        email=value.get("email", ""),
        first_name=value.get("first_name", ""),
        last_name=value.get("last_name", ""),
        project=project,
        requested=requested,
        comment=value.get("comments", ""),
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class ParsedQuotaTab:
    requests: tuple[QuotaRequest, ...]
    tab_problems: tuple[str, ...]


def parse_quota_requests(table: Table, ceilings: Mapping[str, int] | None = None) -> ParsedQuotaTab:
    """Pending rows as requests; two pending requests for one project: the later one waits."""
    requests: list[QuotaRequest] = []
    first_by_project: dict[str, int] = {}
    for number, cells in table.rows:
        if not is_pending(table, cells):
            continue
        request = _parse_row(table, number, cells, ceilings or {})
        if table.missing:
            request = replace(request, problems=request.problems + table.missing)
        if request.project:
            first = first_by_project.setdefault(canonical(request.project), number)
            if first != number:
                request = replace(
                    request,
                    problems=(
                        *request.problems,
                        f"row {first} also changes this project's quotas; do that one first",
                    ),
                )
        requests.append(request)
    return ParsedQuotaTab(tuple(requests), table.missing)
