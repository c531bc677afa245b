"""Bases for the test fakes of `moc_tui.core.ports`: every port method, each failing loudly.

A fake subclasses one and overrides what its test reaches, so it always has the port's whole
shape (mypy checks the signatures against the protocol) and a call the test did not expect
fails naming the method, instead of an AttributeError somewhere inside the engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from moc_tui.core.cloud.models import Ensured, Member, Project, User


class Unexpected(AssertionError):
    def __init__(self, method: str) -> None:
        super().__init__(f"this test's fake does not expect {method}()")


class UnusedCloud:
    """`ports.Cloud` with nothing implemented."""

    def find_project(self, name: str, *, likely_new: bool = False) -> Project | None:
        raise Unexpected("find_project")

    def create_project(
        self, name: str, description: str, *, exist_ok: bool = True, checked: bool = False
    ) -> Ensured[Project]:
        raise Unexpected("create_project")

    def get_project(self, project_id: str) -> Project:
        raise Unexpected("get_project")

    def find_user(self, name: str, *, likely_new: bool = False) -> User | None:
        raise Unexpected("find_user")

    def get_user(self, user_id: str) -> User:
        raise Unexpected("get_user")

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
        raise Unexpected("create_user")

    def ensure_member(self, user_id: str, project_id: str) -> None:
        raise Unexpected("ensure_member")

    def is_admin_user(self, user: User) -> bool:
        raise Unexpected("is_admin_user")

    def set_password(self, user_id: str, password: str) -> User:
        raise Unexpected("set_password")

    def project_members(self, project_id: str) -> list[Member]:
        raise Unexpected("project_members")

    def get_quotas(self, project_id: str) -> dict[str, int]:
        raise Unexpected("get_quotas")

    def set_quotas(self, project_id: str, values: Mapping[str, int]) -> dict[str, int]:
        raise Unexpected("set_quotas")

    def ports_in_use(self, project_id: str) -> int:
        raise Unexpected("ports_in_use")


class UnusedSetpass:
    """`ports.Setpass` with nothing implemented."""

    def register(self, user_id: str, password: str | None, pin: str | None) -> str:
        raise Unexpected("register")

    def redeem(self, user_id: str, password: str | None, reference: str) -> str:
        raise Unexpected("redeem")

    def renew(self, user_id: str) -> str:
        raise Unexpected("renew")

    def status(self, user_id: str) -> str | None:
        raise Unexpected("status")

    def link(self, token: str) -> str:
        raise Unexpected("link")
