"""moc_tui.core.cloud against the real Keystone: users (created once, found in any case, reserved
and admin ones refused, passwords set) and their project roles."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from keystoneauth1 import exceptions as ksa_exc

from moc_tui.core.cloud import NotFound, ReservedName
from moc_tui.devstack.keystone import LocalKeystone
from tests.fixtures.keystone import CountedCloud

pytestmark = pytest.mark.keystone


# -- users -------------------------------------------------------------------------------


def test_create_user_twice_keeps_one_user_and_its_password(
    counted_cloud: CountedCloud, keystone: LocalKeystone, unique_name: Callable[[str], str]
) -> None:
    project = counted_cloud.backend.create_project(unique_name("p"), "").item
    counted_cloud.track("project", project.id)
    email = unique_name("alice") + "@example.org"
    password = secrets.token_urlsafe(16)
    first = counted_cloud.backend.create_user(email, email, "Alice Liddell", password)
    counted_cloud.track("user", first.item.id)
    second = counted_cloud.backend.create_user(
        email.upper(), email, "Alice", secrets.token_urlsafe(16)
    )

    assert (first.created, second.created) == (True, False)
    assert second.item == first.item
    assert first.item.email == email
    assert first.item.description == "Alice Liddell"
    assert len(counted_cloud.admin.client.users.list(domain="default", name__icontains=email)) == 1
    counted_cloud.backend.ensure_member(first.item.id, project.id)
    # the second create did not touch the password
    assert keystone.user_session(email, password, project.id).get_token()


def test_find_user_ignores_case(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    local = unique_name("alice")
    email = f"{local}@example.org"
    user = counted_cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    counted_cloud.track("user", user.id)
    mark = counted_cloud.warm()
    assert counted_cloud.backend.find_user(f"{local.upper()}@Example.org") == user
    assert counted_cloud.keystone_calls(mark) <= 2
    assert counted_cloud.backend.get_user(user.id).email == email


def test_reserved_and_admin_users_are_refused(
    counted_cloud: CountedCloud, keystone: LocalKeystone
) -> None:
    for name in ("admin@example.org", "service", "Root@example.org"):
        with pytest.raises(ReservedName):
            counted_cloud.backend.create_user(name, name, "", secrets.token_urlsafe(16))
        with pytest.raises(ReservedName):
            counted_cloud.backend.find_user(name)
    admin_id = str(keystone.admin_session().get_user_id())
    admin = counted_cloud.backend.get_user(admin_id)
    assert counted_cloud.backend.is_admin_user(admin)
    with pytest.raises(ReservedName, match="administrator or a reserved account"):
        counted_cloud.backend.set_password(admin_id, secrets.token_urlsafe(16))
    # the admin still logs in with its own password
    assert keystone.admin_session().get_token()


def test_admin_role_anywhere_makes_an_admin_user(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    email = unique_name("ops") + "@example.org"
    user = counted_cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    counted_cloud.track("user", user.id)
    project = counted_cloud.backend.create_project(unique_name("p"), "").item
    counted_cloud.track("project", project.id)
    assert not counted_cloud.backend.is_admin_user(user)
    client = counted_cloud.admin.client
    client.roles.grant(client.roles.find(name="admin"), user=user.id, project=project.id)
    assert counted_cloud.backend.is_admin_user(user)


def test_set_password_lets_the_user_log_in_with_the_new_one(
    counted_cloud: CountedCloud, keystone: LocalKeystone, unique_name: Callable[[str], str]
) -> None:
    project = counted_cloud.backend.create_project(unique_name("p"), "").item
    counted_cloud.track("project", project.id)
    email = unique_name("bob") + "@example.org"
    old, new = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    user = counted_cloud.backend.create_user(email, email, "", old).item
    counted_cloud.track("user", user.id)
    counted_cloud.backend.ensure_member(user.id, project.id)

    returned = counted_cloud.backend.set_password(user.id, new)
    assert returned.email == email
    assert keystone.user_session(email, new, project.id).get_user_id() == user.id
    with pytest.raises(ksa_exc.Unauthorized):
        keystone.user_session(email, old, project.id).get_token()
    with pytest.raises(NotFound, match="no user with id 'nope'"):
        counted_cloud.backend.set_password("nope", new)


# -- roles -------------------------------------------------------------------------------


def test_ensure_member_twice_grants_once(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    project = counted_cloud.backend.create_project(unique_name("p"), "").item
    counted_cloud.track("project", project.id)
    email = unique_name("carol") + "@example.org"
    user = counted_cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    counted_cloud.track("user", user.id)

    counted_cloud.backend.ensure_member(user.id, project.id)
    mark = counted_cloud.counter.mark()
    # already held: Keystone's PUT is idempotent
    counted_cloud.backend.ensure_member(user.id, project.id)
    calls = counted_cloud.counter.keystone_since(mark)
    assert [(c.method, c.status) for c in calls] == [("PUT", 204)]  # role id cached, no check

    client = counted_cloud.admin.client
    assignments = client.role_assignments.list(user=user.id, project=project.id, include_names=True)
    assert [a.role["name"] for a in assignments] == ["member"]


def test_ensure_member_on_a_missing_project_is_not_found(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    email = unique_name("dan") + "@example.org"
    user = counted_cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    counted_cloud.track("user", user.id)
    with pytest.raises(NotFound, match="granting role 'member'"):
        counted_cloud.backend.ensure_member(user.id, "0" * 32)


def test_project_members_lists_each_user_once_with_email(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    client = counted_cloud.admin.client
    project = counted_cloud.backend.create_project(unique_name("team"), "").item
    counted_cloud.track("project", project.id)
    emails = [unique_name(who) + "@example.org" for who in ("ann", "ben", "cat")]
    ids = []
    for email in emails:
        user = counted_cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
        ids.append(counted_cloud.track("user", user.id))
    counted_cloud.backend.ensure_member(ids[0], project.id)
    counted_cloud.backend.ensure_member(ids[1], project.id)
    client.roles.grant(client.roles.find(name="reader"), user=ids[1], project=project.id)
    # cat is in only through a group; ann is in directly and through the group
    group = client.groups.create(name=unique_name("grp"), domain="default")
    try:
        client.users.add_to_group(ids[2], group)
        client.users.add_to_group(ids[0], group)
        client.roles.grant(client.roles.find(name="member"), group=group, project=project.id)

        members = counted_cloud.backend.project_members(project.id)
    finally:
        client.groups.delete(group)

    assert sorted(m.email or "" for m in members) == sorted(emails)
    assert len({m.user.id for m in members}) == len(members) == 3
    by_email = {m.email: m for m in members}
    assert "member" in by_email[emails[0]].roles
    assert {"member", "reader"} <= set(by_email[emails[1]].roles)
