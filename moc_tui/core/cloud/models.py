"""Small typed views of Keystone objects (keystoneclient's own are untyped and lazy-loading)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _text(obj: Any, attr: str) -> str:
    value = getattr(obj, attr, None)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    description: str
    domain_id: str

    @classmethod
    def from_resource(cls, obj: Any) -> Project:
        return cls(str(obj.id), str(obj.name), _text(obj, "description"), _text(obj, "domain_id"))


@dataclass(frozen=True)
class User:
    """A Keystone user; `email` is the address stored in Keystone (None when not set)."""

    id: str
    name: str
    email: str | None
    description: str
    domain_id: str = ""
    enabled: bool = True

    @classmethod
    def from_resource(cls, obj: Any) -> User:
        email = getattr(obj, "email", None)
        return cls(
            id=str(obj.id),
            name=str(obj.name),
            email=str(email) if email else None,
            description=_text(obj, "description"),
            domain_id=_text(obj, "domain_id"),
            enabled=bool(getattr(obj, "enabled", True)),
        )


@dataclass(frozen=True)
class Member:
    """A user holding at least one role on a project (directly or through a group)."""

    user: User
    roles: tuple[str, ...]

    @property
    def email(self) -> str | None:
        return self.user.email


@dataclass(frozen=True)
class Ensured(Generic[T]):
    """The result of a find-or-create: the object, and whether this call created it.

    The provisioning engine journals `created` so a rerun knows an existing object was its own.
    """

    item: T
    created: bool
