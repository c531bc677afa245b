"""What a quota request will change: current -> requested -> applied, for every quota it touches.

"Applied" differs from "requested" only for the port quota, which is raised (never lowered) when
more instances or networks are asked for without ports, as the original's set-quotas did; the
reason is shown in words. A request resumed after a crash shows the values recorded before the
change (the journal's `quota_intent`), not the ones the cloud holds now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from moc_tui.core.cloud.quotas import adjust_port_quota
from moc_tui.core.journal import Journal
from moc_tui.core.ports import Cloud
from moc_tui.core.quota import QuotaRequest, keys
from moc_tui.core.settings import Settings
from moc_tui.core.step_names import steps_label
from moc_tui.core.workflow import describe

# How each quota is named for people (the form's words), with its unit.
LABELS = {
    "instances": "Instances",
    "cores": "Cores",
    "ram": "RAM (MB)",
    "floatingip": "Floating IPs",
    "network": "Networks",
    "port": "Ports",
    "volumes": "Volumes",
    "snapshots": "Volume snapshots",
    "gigabytes": "Volume storage (GB)",
}


def quota_key(request: QuotaRequest) -> str:
    return keys.quota_key(request)


def label(name: str) -> str:
    return LABELS.get(name, name)


def shown(value: int | None) -> str:
    """A quota value for people: -1 is unlimited, None is unknown."""
    if value is None:
        return "?"
    return "unlimited" if value == -1 else str(value)


def target_values(cloud: Cloud, project_id: str, requested: Mapping[str, int]) -> dict[str, Any]:
    """The intent of one request: values before, values to apply, and the port reason."""
    current = cloud.get_quotas(project_id)
    values, reason = dict(requested), None
    if "port" not in requested and {"instances", "network"} & requested.keys():
        values, reason = adjust_port_quota(requested, current, cloud.ports_in_use(project_id))
    before = {name: current.get(name) for name in values}
    return {"project_id": project_id, "before": before, "values": values, "port_reason": reason}


@dataclass(frozen=True)
class QuotaLine:
    """One quota of one request; `requested` is None for a quota the program adds (port)."""

    name: str
    current: int | None
    requested: int | None
    applied: int

    def words(self) -> str:
        asked = "not asked" if self.requested is None else shown(self.requested)
        return (
            f"{label(self.name)}: {shown(self.current)} -> {asked} -> {shown(self.applied)}"
            if self.requested != self.applied
            else f"{label(self.name)}: {shown(self.current)} -> {shown(self.applied)}"
        )


def quota_lines(intent: Mapping[str, Any], requested: Mapping[str, int]) -> tuple[QuotaLine, ...]:
    before: Mapping[str, int | None] = intent["before"]
    values: Mapping[str, int] = intent["values"]
    return tuple(
        QuotaLine(name, before.get(name), requested.get(name), values[name]) for name in values
    )


@dataclass(frozen=True)
class QuotaPlan:
    row: int
    email: str
    request_key: str
    project: str
    changes: tuple[QuotaLine, ...]
    port_reason: str | None
    mail_to: str
    move_to: str
    done_steps: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The plan in plain words, one action a line (current -> requested -> applied)."""
        if self.problems:
            return [f"refused: {p}" for p in self.problems]
        out = [f"change the quotas of project {self.project!r}"]
        out += [f"quota {line.words()}" for line in self.changes]
        if self.port_reason:
            out.append(self.port_reason)
        out.append(f"mail the applied values to {self.mail_to}, cc the project's members")
        out.append(f"move the row to {self.move_to!r}")
        if self.done_steps:
            out.append(f"already done by an earlier run: {steps_label(self.done_steps)}")
        return out


def _plan_one(
    request: QuotaRequest, settings: Settings, cloud: Cloud, journal: Journal
) -> QuotaPlan:
    key = keys.QUOTA.record_key(journal, request)
    done = journal.steps(key)
    problems = list(request.problems)
    problems += filter(None, [keys.QUOTA.refusal(journal, key)])
    changes: tuple[QuotaLine, ...] = ()
    reason = None
    project_name = request.project
    if not problems:
        try:
            project = cloud.find_project(request.project)
            if project is None:
                problems.append(unknown_project(request.project))
            else:
                project_name = project.name
                intent = done.get("quota_intent") or target_values(
                    cloud, project.id, request.requested
                )
                changes = quota_lines(intent, request.requested)
                reason = intent.get("port_reason")
        except Exception as error:  # one unreadable project never hides the other plans
            problems.append(f"could not read the project's quotas: {describe(error)}")
    sheet = settings.quota_sheet
    return QuotaPlan(
        row=request.row,
        email=request.email,
        request_key=keys.QUOTA.key_of(request),
        project=project_name,
        changes=changes,
        port_reason=reason,
        mail_to=request.email,
        move_to=sheet.done_tab if sheet else "Processed Requests",
        done_steps=tuple(s for s in done if not s.endswith("_intent")),
        problems=tuple(problems),
    )


def unknown_project(name: str) -> str:
    return (
        f"there is no project named {name!r} (compared ignoring case); correct the project "
        "name in the sheet, the row stays until then"
    )


def plan_quota_changes(
    requests: Sequence[QuotaRequest], settings: Settings, cloud: Cloud, journal: Journal
) -> list[QuotaPlan]:
    """The plan of every request, reading the cloud only (project, quotas, ports in use)."""
    return [_plan_one(request, settings, cloud, journal) for request in requests]
