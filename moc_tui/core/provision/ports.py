"""What the provisioning engine needs from the outside world, as narrow interfaces.

The engine is written against these, so the same code runs against the real cloud (KeystoneCloud
satisfies `Cloud`), the real setpass service and either sheet store, and a unit test can pass a
small fake. `Cloud` is the part of `moc_tui.core.cloud.CloudBackend` that provisioning uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from moc_tui.core.cloud.models import Ensured, Project, User
from moc_tui.core.workflow.batch import RowMover

__all__ = ["Cloud", "RowMover", "Setpass"]


class Cloud(Protocol):
    """The allocator: find-or-create projects and users, membership, passwords, quotas."""

    def find_project(self, name: str, *, likely_new: bool = False) -> Project | None: ...
    def create_project(
        self, name: str, description: str, *, exist_ok: bool = True, checked: bool = False
    ) -> Ensured[Project]: ...
    def find_user(self, name: str, *, likely_new: bool = False) -> User | None: ...
    def create_user(
        self,
        name: str,
        email: str,
        description: str,
        password: str,
        *,
        exist_ok: bool = True,
        checked: bool = False,
    ) -> Ensured[User]: ...
    def set_password(self, user_id: str, password: str) -> User: ...
    def ensure_member(self, user_id: str, project_id: str) -> None: ...
    def get_quotas(self, project_id: str) -> dict[str, int]: ...
    def set_quotas(self, project_id: str, values: Mapping[str, int]) -> dict[str, int]: ...
    def ports_in_use(self, project_id: str) -> int: ...


class Setpass(Protocol):
    """Registers a user's temporary password and PIN; returns the token of their link."""

    def register(self, user_id: str, password: str, pin: str) -> str: ...
    def renew(self, user_id: str) -> str: ...
    def link(self, token: str) -> str: ...
