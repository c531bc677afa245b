"""Role grants and project membership.

Role names are resolved once per process (the original hard-coded `_member_`; modern Keystone
calls it `member`, so the name comes from `[auth] member_role`).
"""

from __future__ import annotations

import threading
from typing import Any

from moc_tui.core.cloud.errors import NotFound, cloud_errors
from moc_tui.core.cloud.models import Member, User

ADMIN_ROLE = "admin"


class RoleCache:
    """Role name -> id, looked up on first use (one call per name per process)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def id_of(self, name: str) -> str:
        with self._lock:
            cached = self._ids.get(name)
        if cached is not None:
            return cached
        with cloud_errors(f"looking up role {name!r}"):
            found = [r for r in self._client.roles.list(name=name) if r.name == name]
        # a global role and a domain-specific role may share a name; the global one grants
        found.sort(key=lambda r: getattr(r, "domain_id", None) is not None)
        if not found:
            raise NotFound(f"no role named {name!r} in Keystone (check [auth] member_role)")
        role_id = str(found[0].id)
        with self._lock:
            self._ids[name] = role_id
        return role_id


def ensure_member(
    client: Any, roles: RoleCache, user_id: str, project_id: str, role_name: str
) -> None:
    """Grant the role: one PUT, which Keystone treats as idempotent (204 whether or not the
    user held it already), so no check is sent first and a race between two grants is
    harmless. A missing user or project is NotFound."""
    role_id = roles.id_of(role_name)
    with cloud_errors(f"granting role {role_name!r} to user {user_id} on project {project_id}"):
        client.roles.grant(role_id, user=user_id, project=project_id)


def is_admin(client: Any, roles: RoleCache, user_id: str) -> bool:
    """Whether the user has the admin role anywhere (project, domain, system; via groups too)."""
    admin_id = roles.id_of(ADMIN_ROLE)
    with cloud_errors(f"checking whether user {user_id} is an admin"):
        found = client.role_assignments.list(user=user_id, role=admin_id, effective=True)
    return bool(list(found))


def project_members(client: Any, project_id: str) -> list[Member]:
    """Every user with a role on the project, each once, with the email stored in Keystone.

    `effective` makes Keystone expand group assignments into their users (the original crashed
    on group assignments) and add implied roles; both are folded per user here. Costs one call
    for the assignments plus one per user for the email.
    """
    with cloud_errors(f"listing the members of project {project_id}"):
        assignments = client.role_assignments.list(
            project=project_id, effective=True, include_names=True
        )
    roles_by_user: dict[str, list[str]] = {}
    for assignment in assignments:
        user = getattr(assignment, "user", None)
        if not isinstance(user, dict) or "id" not in user:
            continue  # a group entry Keystone did not expand: nothing to mail
        names = roles_by_user.setdefault(str(user["id"]), [])
        role = getattr(assignment, "role", None) or {}
        role_name = str(role.get("name") or role.get("id") or "")
        if role_name and role_name not in names:
            names.append(role_name)
    members = []
    for user_id, role_names in roles_by_user.items():
        try:
            with cloud_errors(f"reading user {user_id}"):
                user = User.from_resource(client.users.get(user_id))
        except NotFound:
            continue  # deleted between the two calls
        members.append(Member(user, tuple(sorted(role_names))))
    return sorted(members, key=lambda m: m.user.name.casefold())
