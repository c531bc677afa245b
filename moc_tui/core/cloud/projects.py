"""Projects: targeted lookup by name, and find-or-create (openstackclient's `--or-show` habit)."""

from __future__ import annotations

from typing import Any

from moc_tui.core.cloud.errors import NotFound, cloud_errors
from moc_tui.core.cloud.lookup import find_by_name, find_or_create, refuse_reserved
from moc_tui.core.cloud.models import Ensured, Project


def find_project(
    client: Any,
    name: str,
    domain_id: str,
    *,
    allow_reserved: bool = False,
    likely_new: bool = False,
) -> Project | None:
    """The project named `name` (ignoring case) in the domain, or None; at most 2 calls.

    `likely_new`: the caller is about to create it (see `lookup.find_by_name`). Reserved names
    (admin, service, ...) are refused unless `allow_reserved`: nobody joins or gets quota
    changes on the cloud's own projects through the helpdesk.
    """
    if not allow_reserved:
        refuse_reserved("project", name)
    with cloud_errors(f"looking up project {name!r} in domain {domain_id}"):
        found = find_by_name(client.projects, "project", name, domain_id, likely_new=likely_new)
    return None if found is None else Project.from_resource(found)


def get_project(client: Any, name: str, domain_id: str) -> Project:
    """Like find_project, but a missing project is an error in plain words."""
    project = find_project(client, name, domain_id)
    if project is None:
        raise NotFound(f"no project named {name!r} in domain {domain_id}")
    return project


def get_project_by_id(client: Any, project_id: str) -> Project:
    """One call; NotFound names the id."""
    try:
        with cloud_errors(f"reading project {project_id}"):
            return Project.from_resource(client.projects.get(project_id))
    except NotFound:
        raise NotFound(f"no project with id {project_id!r}") from None


def create_project(
    client: Any,
    name: str,
    description: str,
    domain_id: str,
    *,
    exist_ok: bool = True,
    checked: bool = False,
) -> Ensured[Project]:
    """Find-or-create: an existing project (any case) is returned with `created=False`.

    With `exist_ok=False` an existing project is an AlreadyExists error (a "new project"
    request whose name is taken). `checked`: the caller's own lookup just found nothing, so
    it is not repeated. A 409 from a concurrent create re-finds instead of failing.
    """

    def create() -> Project:
        with cloud_errors(f"creating project {name!r} in domain {domain_id}"):
            created = client.projects.create(
                name=name, domain=domain_id, description=description, enabled=True
            )
        return Project.from_resource(created)

    def spelled(existing: Project) -> str:
        return f" (as {existing.name!r})" if existing.name != name else ""

    return find_or_create(
        "project",
        name,
        lambda: find_project(client, name, domain_id, likely_new=True),
        create,
        exist_ok=exist_ok,
        taken=spelled,
        checked=checked,
    )
