"""The allocator interface the provisioning engine calls, and its Keystone implementation.

Shaped like coldfront-plugin-cloud's `ResourceAllocator`: the workflows depend on the
`moc_tui.core.ports.Cloud` protocol only, so their tests can use a fake, and `KeystoneCloud` is
the one real implementation (python-keystoneclient v3 for identity, the same session for the
quota APIs).
Every method raises `CloudError` (moc_tui.core.cloud.errors) and nothing else from the cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keystoneauth1 import session as ks_session
from keystoneclient.v3 import client as ks_client

from moc_tui.core.cloud import projects, quotas, roles, users
from moc_tui.core.cloud.models import Ensured, Member, Project, User
from moc_tui.core.cloud.session import RequestCounter, make_session
from moc_tui.core.settings.model import AuthSettings


class KeystoneCloud:
    """`ports.Cloud` on a real cloud: one session, one keystoneclient, roles cached.

    `domain` is the domain id users and projects live in; `member_role` the role name granted.
    It remembers the projects it has seen exist, so quota calls need not re-check a project.
    """

    def __init__(
        self, session: ks_session.Session, domain: str = "default", member_role: str = "member"
    ) -> None:
        self.session = session
        self.domain = domain
        self.member_role = member_role
        self.client: Any = ks_client.Client(session=session, interface="public")
        self.roles = roles.RoleCache(self.client)
        self._known_projects: set[str] = set()

    def _seen(self, project: Project | None) -> Project | None:
        if project is not None:
            self._known_projects.add(project.id)
        return project

    @classmethod
    def from_settings(
        cls, auth: AuthSettings, *, counter: RequestCounter | None = None
    ) -> KeystoneCloud:
        """The process's cloud: one session from `[auth]`, users/projects in its project domain."""
        session = make_session(auth, counter=counter)
        return cls(session, domain=auth.project_domain, member_role=auth.member_role)

    def find_project(self, name: str, *, likely_new: bool = False) -> Project | None:
        found = projects.find_project(self.client, name, self.domain, likely_new=likely_new)
        return self._seen(found)

    def get_project(self, project_id: str) -> Project:
        project = projects.get_project_by_id(self.client, project_id)
        self._seen(project)
        return project

    def create_project(
        self, name: str, description: str, *, exist_ok: bool = True, checked: bool = False
    ) -> Ensured[Project]:
        ensured = projects.create_project(
            self.client, name, description, self.domain, exist_ok=exist_ok, checked=checked
        )
        self._seen(ensured.item)
        return ensured

    def find_user(self, name: str, *, likely_new: bool = False) -> User | None:
        return users.find_user(self.client, name, self.domain, likely_new=likely_new)

    def get_user(self, user_id: str) -> User:
        return users.get_user(self.client, user_id)

    def create_user(
        self,
        name: str,
        email: str,
        description: str,
        password: str,
        *,
        exist_ok: bool = True,
        checked: bool = False,
    ) -> Ensured[User]:
        return users.create_user(
            self.client,
            name,
            email,
            description,
            password,
            self.domain,
            exist_ok=exist_ok,
            checked=checked,
        )

    def ensure_member(self, user_id: str, project_id: str) -> None:
        roles.ensure_member(self.client, self.roles, user_id, project_id, self.member_role)

    def is_admin_user(self, user: User) -> bool:
        return users.is_admin_user(self.client, self.roles, user)

    def set_password(self, user_id: str, password: str) -> User:
        return users.set_password(self.client, self.roles, user_id, password)

    def project_members(self, project_id: str) -> list[Member]:
        return roles.project_members(self.client, project_id)

    def get_quotas(self, project_id: str) -> dict[str, int]:
        known = project_id in self._known_projects
        quota_values = quotas.get_quotas(self.session, project_id, check_project=not known)
        self._known_projects.add(project_id)
        return quota_values

    def set_quotas(self, project_id: str, values: Mapping[str, int]) -> dict[str, int]:
        known = project_id in self._known_projects
        applied = quotas.set_quotas(self.session, project_id, values, check_project=not known)
        self._known_projects.add(project_id)
        return applied

    def ports_in_use(self, project_id: str) -> int:
        return quotas.ports_in_use(self.session, project_id)
