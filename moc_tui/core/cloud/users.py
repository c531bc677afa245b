"""Users: targeted lookup by name (the email address), find-or-create, password reset.

A user that already exists is never modified by `create_user` (its password stays): the
provisioning engine only grants it the role, as the original did.
"""

from __future__ import annotations

from typing import Any

from moc_tui.core.cloud.errors import NotFound, ReservedName, cloud_errors
from moc_tui.core.cloud.lookup import find_by_name, find_or_create, refuse_reserved
from moc_tui.core.cloud.models import Ensured, User
from moc_tui.core.cloud.roles import RoleCache, is_admin
from moc_tui.core.identifiers import is_reserved


def find_user(
    client: Any,
    name: str,
    domain_id: str,
    *,
    allow_reserved: bool = False,
    likely_new: bool = False,
) -> User | None:
    """The user named `name` (ignoring case) in the domain, or None; at most 2 calls.

    `likely_new`: the caller is about to create it (see `lookup.find_by_name`).
    """
    if not allow_reserved:
        refuse_reserved("user", name)
    with cloud_errors(f"looking up user {name!r} in domain {domain_id}"):
        found = find_by_name(client.users, "user", name, domain_id, likely_new=likely_new)
    return None if found is None else User.from_resource(found)


def get_user(client: Any, user_id: str) -> User:
    """One call; NotFound names the id."""
    try:
        with cloud_errors(f"reading user {user_id}"):
            return User.from_resource(client.users.get(user_id))
    except NotFound:
        raise NotFound(f"no user with id {user_id!r}") from None


def user_email(client: Any, user_id: str) -> str | None:
    """The address stored in Keystone: where a reset mail goes (never a typed address)."""
    return get_user(client, user_id).email


def is_admin_user(client: Any, roles: RoleCache, user: User) -> bool:
    """Reserved name, or the admin role anywhere: the helpdesk never touches such accounts."""
    return is_reserved(user.name) or is_admin(client, roles, user.id)


def create_user(
    client: Any,
    name: str,
    email: str,
    description: str,
    password: str,
    domain_id: str,
    *,
    exist_ok: bool = True,
    checked: bool = False,
) -> Ensured[User]:
    """Find-or-create; an existing user (any case) comes back untouched with `created=False`.

    `checked`: the caller's own lookup just found nothing, so it is not repeated.

    keystoneclient sends the create with request logging off, so the password never reaches a
    debug log. A 409 from a concurrent create re-finds the winner.
    """

    def create() -> User:
        with cloud_errors(f"creating user {name!r} in domain {domain_id}"):
            created = client.users.create(
                name=name,
                domain=domain_id,
                password=password,
                email=email,
                description=description,
                enabled=True,
            )
        return User.from_resource(created)

    return find_or_create(
        "user",
        name,
        lambda: find_user(client, name, domain_id, likely_new=True),
        create,
        exist_ok=exist_ok,
        checked=checked,
    )


def set_password(client: Any, roles: RoleCache, user_id: str, password: str) -> User:
    """Replace a user's password as admin; refuses admin and reserved accounts.

    Returns the user (with the email stored in Keystone, for the reset mail). Three calls:
    read the user, check for the admin role, update.
    """
    user = get_user(client, user_id)
    if is_admin_user(client, roles, user):
        raise ReservedName(
            f"user {user.name!r} is an administrator or a reserved account; "
            "its password is not changed through the helpdesk"
        )
    with cloud_errors(f"setting the password of user {user.name!r}"):
        client.users.update(user_id, password=password)
    return user
