"""moc_tui.core.cloud against the real Keystone: sessions, errors, projects, users, roles."""

from __future__ import annotations

import contextlib
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from keystoneauth1 import exceptions as ksa_exc

from moc_tui.core.cloud import (
    AlreadyExists,
    AmbiguousName,
    CloudAuthFailed,
    CloudUnreachable,
    KeystoneCloud,
    NotFound,
    RequestCounter,
    ReservedName,
    make_session,
    projects,
)
from moc_tui.core.ports import Cloud as CloudPort
from moc_tui.devstack.keystone import LocalKeystone
from tests.fixtures.keystone import KeystoneAdmin, admin_auth

pytestmark = pytest.mark.keystone


@dataclass
class Cloud:
    """A KeystoneCloud with its request counter; deletes what the test created."""

    backend: KeystoneCloud
    counter: RequestCounter
    admin: KeystoneAdmin
    _created: list[tuple[str, str]] = field(default_factory=list)

    def track(self, kind: str, obj_id: str) -> str:
        self._created.append((kind, obj_id))
        return obj_id

    def warm(self) -> int:
        """Token and discovery out of the way; returns a mark to count Keystone calls from."""
        self.backend.find_project(f"warm-{secrets.token_hex(4)}")
        return self.counter.mark()

    def keystone_calls(self, mark: int) -> int:
        return len(self.counter.keystone_since(mark))

    def delete_all(self) -> None:
        client = self.admin.client
        for kind, obj_id in reversed(self._created):
            manager = client.projects if kind == "project" else client.users
            with contextlib.suppress(ksa_exc.NotFound):
                manager.delete(obj_id)


@pytest.fixture
def cloud(keystone: LocalKeystone, keystone_admin: KeystoneAdmin) -> Iterator[Cloud]:
    auth = admin_auth(keystone)
    counter = RequestCounter(auth.auth_url)
    wrapper = Cloud(KeystoneCloud.from_settings(auth, counter=counter), counter, keystone_admin)
    try:
        yield wrapper
    finally:
        wrapper.delete_all()


# -- session and errors ------------------------------------------------------------------


def test_one_session_one_token_and_counted_calls(cloud: Cloud) -> None:
    for _ in range(3):
        assert cloud.backend.find_project(f"nothing-{secrets.token_hex(4)}") is None
    token_requests = [c for c in cloud.counter.calls if c.url.endswith("/auth/tokens")]
    assert len(token_requests) == 1
    assert cloud.counter.keystone_calls == len(cloud.counter.calls)  # all went to Keystone
    assert all(c.status < 400 for c in cloud.counter.calls)


def test_keystone_down_is_a_clear_error_quickly(keystone: LocalKeystone) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # the socket is closed: connecting is refused
    auth = admin_auth(keystone, auth_url=f"http://127.0.0.1:{port}/v3", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(CloudUnreachable) as info:
        KeystoneCloud.from_settings(auth).find_project("anything")
    assert time.monotonic() - started < 2.0
    assert str(info.value) == (
        f"looking up project 'anything' in domain default: "
        f"cannot reach http://127.0.0.1:{port} (connection refused)"
    )


def test_keystone_that_never_answers_times_out(keystone: LocalKeystone) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)  # accepts the connection in the kernel, never reads or answers
        port = sock.getsockname()[1]
        auth = admin_auth(keystone, auth_url=f"http://127.0.0.1:{port}/v3", timeout=0.5)
        started = time.monotonic()
        with pytest.raises(CloudUnreachable) as info:
            KeystoneCloud.from_settings(auth).find_user("someone@example.org")
        assert str(info.value) == (
            "looking up user 'someone@example.org' in domain default: "
            f"http://127.0.0.1:{port} did not answer in time (the [auth] timeout)"
        )
        assert time.monotonic() - started < 3.0


def test_wrong_admin_password_is_an_auth_error(keystone: LocalKeystone) -> None:
    auth = admin_auth(keystone, admin_pwd=secrets.token_urlsafe(16))
    with pytest.raises(CloudAuthFailed, match=r"refused the credentials from \[auth\]") as info:
        KeystoneCloud.from_settings(auth).find_project("anything")
    assert auth.admin_pwd not in str(info.value)


def test_keystone_cloud_implements_the_backend_protocol(cloud: Cloud) -> None:
    backend: CloudPort = cloud.backend  # mypy checks the structure
    assert backend.find_user("nobody-" + secrets.token_hex(4) + "@example.org") is None


def test_make_session_uses_settings(keystone: LocalKeystone) -> None:
    session = make_session(admin_auth(keystone, timeout=7.0))
    assert session.timeout == 7.0
    assert session.verify is True
    assert session.get_project_id()


# -- projects ----------------------------------------------------------------------------


def test_create_project_twice_gives_the_same_project(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("k2k")
    first = cloud.backend.create_project(name, "first request")
    cloud.track("project", first.item.id)
    second = cloud.backend.create_project(name.upper(), "second request")
    assert (first.created, second.created) == (True, False)
    assert second.item == first.item
    assert first.item.name == name
    assert first.item.description == "first request"
    assert first.item.domain_id == "default"
    listed = cloud.admin.client.projects.list(domain="default", name__icontains=name)
    assert [p.id for p in listed] == [first.item.id]


def test_new_project_that_exists_is_refused_when_asked(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("Taken")
    cloud.track("project", cloud.backend.create_project(name, "").item.id)
    with pytest.raises(AlreadyExists, match=rf"project '{name.lower()}' exists already"):
        cloud.backend.create_project(name.lower(), "", exist_ok=False)


def test_find_project_ignores_case_in_at_most_two_calls(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("k2k")
    project = cloud.backend.create_project(name, "").item
    cloud.track("project", project.id)

    mark = cloud.warm()
    assert cloud.backend.find_project(name) == project
    assert cloud.keystone_calls(mark) == 1  # the exact query hits

    mark = cloud.counter.mark()
    assert cloud.backend.find_project(name.upper()) == project
    assert cloud.keystone_calls(mark) <= 2  # SQLite's exact query is case-sensitive
    calls = cloud.counter.keystone_since(mark)
    assert all(c.method == "GET" and c.url.endswith("/v3/projects") for c in calls)

    for likely_new in (False, True):
        mark = cloud.counter.mark()
        assert cloud.backend.find_project(name.upper(), likely_new=likely_new) == project
        assert cloud.backend.find_project(unique_name("K2K"), likely_new=likely_new) is None
        assert cloud.keystone_calls(mark) == (2 if likely_new else 4)


def test_new_user_and_new_project_cost_five_calls_an_existing_user_joining_three(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    """Each object is looked up once per request, a new one with one case-insensitive query."""
    backend = cloud.backend
    backend.roles.id_of("member")  # once per run, like the token
    project_name, email = unique_name("new"), unique_name("new") + "@example.org"

    mark = cloud.warm()
    assert backend.find_project(project_name, likely_new=True) is None
    project = backend.create_project(project_name, "", checked=True)
    cloud.track("project", project.item.id)
    assert backend.find_user(email, likely_new=True) is None
    user = backend.create_user(email, email, "", secrets.token_urlsafe(16), checked=True)
    cloud.track("user", user.item.id)
    backend.ensure_member(user.item.id, project.item.id)
    assert (project.created, user.created) == (True, True)
    assert cloud.keystone_calls(mark) == 5

    other = backend.create_project(unique_name("join"), "").item
    cloud.track("project", other.id)
    mark = cloud.counter.mark()
    joined = backend.find_project(other.name)
    found = backend.find_user(email)
    assert joined == other and found == user.item
    backend.ensure_member(found.id, joined.id)
    assert cloud.keystone_calls(mark) == 3


def test_a_user_spelled_in_another_case_is_found_in_either_mode(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    stored = unique_name("Ada").replace("ada", "Ada") + "@Example.org"
    legacy = cloud.admin.client.users.create(name=stored, domain="default")
    cloud.track("user", legacy.id)
    for likely_new in (False, True):
        found = cloud.backend.find_user(stored.lower(), likely_new=likely_new)
        assert found is not None and found.id == legacy.id
    again = cloud.backend.create_user(stored.lower(), stored.lower(), "", "x" * 16)
    assert (again.created, again.item.id) == (False, legacy.id)


def test_lookup_sends_a_name_filter_never_a_bare_listing(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    seen: list[str] = []
    cloud.backend.session.session.hooks["response"].append(
        lambda r, *a, **k: seen.append(str(r.request.url))
    )
    cloud.backend.find_user(unique_name("Nobody") + "@Example.org")
    listings = [u for u in seen if "/v3/users" in u]
    exact, inexact = listings  # the indexed exact query first, then the case-insensitive one
    assert "name=" in exact and "name__" not in exact
    assert "name__istartswith=" in inexact and "name__iendswith=" in inexact
    assert all("domain_id=default" in u for u in listings)


def test_like_wildcards_in_a_name_do_not_match_other_names(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("wildxcard")
    project = cloud.backend.create_project(name, "").item
    cloud.track("project", project.id)
    # Keystone passes _ and % to SQL LIKE unescaped; our own comparison must reject these
    assert cloud.backend.find_project(name.replace("x", "_", 1)) is None
    assert cloud.backend.find_project(name[:4] + "%" + name[-4:]) is None
    assert cloud.backend.find_project(name.upper()) == project


def test_case_twins_are_ambiguous_unless_spelled_exactly(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    base = unique_name("twin")
    client = cloud.admin.client
    lower = client.projects.create(name=base, domain="default")
    upper = client.projects.create(name=base.upper(), domain="default")
    cloud.track("project", lower.id)
    cloud.track("project", upper.id)

    with pytest.raises(AmbiguousName) as info:
        cloud.backend.find_project(base.title())
    assert set(info.value.names) == {base, base.upper()}
    assert base in str(info.value) and base.upper() in str(info.value)
    found = cloud.backend.find_project(base.upper())
    assert found is not None and found.id == upper.id


def test_project_created_meanwhile_is_found_after_the_conflict(
    cloud: Cloud, unique_name: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique_name("race")
    other = cloud.admin.client.projects.create(name=name, domain="default")
    cloud.track("project", other.id)
    real_find = projects.find_project
    answers = iter([None])  # the first lookup misses it, as if the other create came later

    def late_find(*args: Any, **kwargs: Any) -> Any:
        return next(answers, None) or real_find(*args, **kwargs)

    monkeypatch.setattr(projects, "find_project", late_find)
    result = cloud.backend.create_project(name, "")
    assert result.created is False
    assert result.item.id == other.id


def test_reserved_project_names_are_refused_without_asking_keystone(cloud: Cloud) -> None:
    mark = cloud.counter.mark()
    for name in ("admin", "Service", "nova"):
        with pytest.raises(ReservedName, match="reserved"):
            cloud.backend.create_project(name, "")
        with pytest.raises(ReservedName):
            cloud.backend.find_project(name)
    assert cloud.counter.calls_since(mark) == []


def test_missing_project_by_name_reads_plainly(cloud: Cloud) -> None:
    client = cloud.backend.client
    with pytest.raises(NotFound, match="no project named 'no-such-thing' in domain default"):
        projects.get_project(client, "no-such-thing", "default")
    with pytest.raises(NotFound, match="no project with id 'f00'"):
        cloud.backend.get_project("f00")


# -- users -------------------------------------------------------------------------------


def test_create_user_twice_keeps_one_user_and_its_password(
    cloud: Cloud, keystone: LocalKeystone, unique_name: Callable[[str], str]
) -> None:
    project = cloud.backend.create_project(unique_name("p"), "").item
    cloud.track("project", project.id)
    email = unique_name("alice") + "@example.org"
    password = secrets.token_urlsafe(16)
    first = cloud.backend.create_user(email, email, "Alice Liddell", password)
    cloud.track("user", first.item.id)
    second = cloud.backend.create_user(email.upper(), email, "Alice", secrets.token_urlsafe(16))

    assert (first.created, second.created) == (True, False)
    assert second.item == first.item
    assert first.item.email == email
    assert first.item.description == "Alice Liddell"
    assert len(cloud.admin.client.users.list(domain="default", name__icontains=email)) == 1
    cloud.backend.ensure_member(first.item.id, project.id)
    # the second create did not touch the password
    assert keystone.user_session(email, password, project.id).get_token()


def test_find_user_ignores_case(cloud: Cloud, unique_name: Callable[[str], str]) -> None:
    local = unique_name("alice")
    email = f"{local}@example.org"
    user = cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    cloud.track("user", user.id)
    mark = cloud.warm()
    assert cloud.backend.find_user(f"{local.upper()}@Example.org") == user
    assert cloud.keystone_calls(mark) <= 2
    assert cloud.backend.get_user(user.id).email == email


def test_reserved_and_admin_users_are_refused(cloud: Cloud, keystone: LocalKeystone) -> None:
    for name in ("admin@example.org", "service", "Root@example.org"):
        with pytest.raises(ReservedName):
            cloud.backend.create_user(name, name, "", secrets.token_urlsafe(16))
        with pytest.raises(ReservedName):
            cloud.backend.find_user(name)
    admin_id = str(keystone.admin_session().get_user_id())
    admin = cloud.backend.get_user(admin_id)
    assert cloud.backend.is_admin_user(admin)
    with pytest.raises(ReservedName, match="administrator or a reserved account"):
        cloud.backend.set_password(admin_id, secrets.token_urlsafe(16))
    # the admin still logs in with its own password
    assert keystone.admin_session().get_token()


def test_admin_role_anywhere_makes_an_admin_user(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    email = unique_name("ops") + "@example.org"
    user = cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    cloud.track("user", user.id)
    project = cloud.backend.create_project(unique_name("p"), "").item
    cloud.track("project", project.id)
    assert not cloud.backend.is_admin_user(user)
    client = cloud.admin.client
    client.roles.grant(client.roles.find(name="admin"), user=user.id, project=project.id)
    assert cloud.backend.is_admin_user(user)


def test_set_password_lets_the_user_log_in_with_the_new_one(
    cloud: Cloud, keystone: LocalKeystone, unique_name: Callable[[str], str]
) -> None:
    project = cloud.backend.create_project(unique_name("p"), "").item
    cloud.track("project", project.id)
    email = unique_name("bob") + "@example.org"
    old, new = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    user = cloud.backend.create_user(email, email, "", old).item
    cloud.track("user", user.id)
    cloud.backend.ensure_member(user.id, project.id)

    returned = cloud.backend.set_password(user.id, new)
    assert returned.email == email
    assert keystone.user_session(email, new, project.id).get_user_id() == user.id
    with pytest.raises(ksa_exc.Unauthorized):
        keystone.user_session(email, old, project.id).get_token()
    with pytest.raises(NotFound, match="no user with id 'nope'"):
        cloud.backend.set_password("nope", new)


# -- roles -------------------------------------------------------------------------------


def test_ensure_member_twice_grants_once(cloud: Cloud, unique_name: Callable[[str], str]) -> None:
    project = cloud.backend.create_project(unique_name("p"), "").item
    cloud.track("project", project.id)
    email = unique_name("carol") + "@example.org"
    user = cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    cloud.track("user", user.id)

    cloud.backend.ensure_member(user.id, project.id)
    mark = cloud.counter.mark()
    cloud.backend.ensure_member(user.id, project.id)  # already held: Keystone's PUT is idempotent
    calls = cloud.counter.keystone_since(mark)
    assert [(c.method, c.status) for c in calls] == [("PUT", 204)]  # role id cached, no check

    client = cloud.admin.client
    assignments = client.role_assignments.list(user=user.id, project=project.id, include_names=True)
    assert [a.role["name"] for a in assignments] == ["member"]


def test_ensure_member_on_a_missing_project_is_not_found(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    email = unique_name("dan") + "@example.org"
    user = cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
    cloud.track("user", user.id)
    with pytest.raises(NotFound, match="granting role 'member'"):
        cloud.backend.ensure_member(user.id, "0" * 32)


def test_project_members_lists_each_user_once_with_email(
    cloud: Cloud, unique_name: Callable[[str], str]
) -> None:
    client = cloud.admin.client
    project = cloud.backend.create_project(unique_name("team"), "").item
    cloud.track("project", project.id)
    emails = [unique_name(who) + "@example.org" for who in ("ann", "ben", "cat")]
    ids = []
    for email in emails:
        user = cloud.backend.create_user(email, email, "", secrets.token_urlsafe(16)).item
        ids.append(cloud.track("user", user.id))
    cloud.backend.ensure_member(ids[0], project.id)
    cloud.backend.ensure_member(ids[1], project.id)
    client.roles.grant(client.roles.find(name="reader"), user=ids[1], project=project.id)
    # cat is in only through a group; ann is in directly and through the group
    group = client.groups.create(name=unique_name("grp"), domain="default")
    try:
        client.users.add_to_group(ids[2], group)
        client.users.add_to_group(ids[0], group)
        client.roles.grant(client.roles.find(name="member"), group=group, project=project.id)

        members = cloud.backend.project_members(project.id)
    finally:
        client.groups.delete(group)

    assert sorted(m.email or "" for m in members) == sorted(emails)
    assert len({m.user.id for m in members}) == len(members) == 3
    by_email = {m.email: m for m in members}
    assert "member" in by_email[emails[0]].roles
    assert {"member", "reader"} <= set(by_email[emails[1]].roles)
