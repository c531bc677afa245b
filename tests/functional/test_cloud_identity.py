"""moc_tui.core.cloud against the real Keystone: sessions, errors, projects; users and roles
are tests/functional/test_cloud_users.py."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from moc_tui.core.cloud import (
    AlreadyExists,
    AmbiguousName,
    CloudAuthFailed,
    CloudUnreachable,
    KeystoneCloud,
    NotFound,
    ReservedName,
    make_session,
    projects,
)
from moc_tui.core.ports import Cloud as CloudPort
from moc_tui.devstack.keystone import LocalKeystone
from tests.fixtures.keystone import CountedCloud, admin_auth

pytestmark = pytest.mark.keystone


# -- session and errors ------------------------------------------------------------------


def test_one_session_one_token_and_counted_calls(counted_cloud: CountedCloud) -> None:
    for _ in range(3):
        assert counted_cloud.backend.find_project(f"nothing-{secrets.token_hex(4)}") is None
    token_requests = [c for c in counted_cloud.counter.calls if c.url.endswith("/auth/tokens")]
    assert len(token_requests) == 1
    calls = counted_cloud.counter.calls
    assert counted_cloud.counter.keystone_calls == len(calls)  # all went to Keystone
    assert all(c.status < 400 for c in counted_cloud.counter.calls)


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


def test_keystone_cloud_implements_the_backend_protocol(counted_cloud: CountedCloud) -> None:
    backend: CloudPort = counted_cloud.backend  # mypy checks the structure
    assert backend.find_user("nobody-" + secrets.token_hex(4) + "@example.org") is None


def test_make_session_uses_settings(keystone: LocalKeystone) -> None:
    session = make_session(admin_auth(keystone, timeout=7.0))
    assert session.timeout == 7.0
    assert session.verify is True
    assert session.get_project_id()


# -- projects ----------------------------------------------------------------------------


def test_create_project_twice_gives_the_same_project(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("k2k")
    first = counted_cloud.backend.create_project(name, "first request")
    counted_cloud.track("project", first.item.id)
    second = counted_cloud.backend.create_project(name.upper(), "second request")
    assert (first.created, second.created) == (True, False)
    assert second.item == first.item
    assert first.item.name == name
    assert first.item.description == "first request"
    assert first.item.domain_id == "default"
    listed = counted_cloud.admin.client.projects.list(domain="default", name__icontains=name)
    assert [p.id for p in listed] == [first.item.id]


def test_new_project_that_exists_is_refused_when_asked(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("Taken")
    counted_cloud.track("project", counted_cloud.backend.create_project(name, "").item.id)
    with pytest.raises(AlreadyExists, match=rf"project '{name.lower()}' exists already"):
        counted_cloud.backend.create_project(name.lower(), "", exist_ok=False)


def test_find_project_ignores_case_in_at_most_two_calls(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("k2k")
    project = counted_cloud.backend.create_project(name, "").item
    counted_cloud.track("project", project.id)

    mark = counted_cloud.warm()
    assert counted_cloud.backend.find_project(name) == project
    assert counted_cloud.keystone_calls(mark) == 1  # the exact query hits

    mark = counted_cloud.counter.mark()
    assert counted_cloud.backend.find_project(name.upper()) == project
    assert counted_cloud.keystone_calls(mark) <= 2  # SQLite's exact query is case-sensitive
    calls = counted_cloud.counter.keystone_since(mark)
    assert all(c.method == "GET" and c.url.endswith("/v3/projects") for c in calls)

    for likely_new in (False, True):
        mark = counted_cloud.counter.mark()
        assert counted_cloud.backend.find_project(name.upper(), likely_new=likely_new) == project
        assert counted_cloud.backend.find_project(unique_name("K2K"), likely_new=likely_new) is None
        assert counted_cloud.keystone_calls(mark) == (2 if likely_new else 4)


def test_new_user_and_new_project_cost_five_calls_an_existing_user_joining_three(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    """Each object is looked up once per request, a new one with one case-insensitive query."""
    backend = counted_cloud.backend
    backend.roles.id_of("member")  # once per run, like the token
    project_name, email = unique_name("new"), unique_name("new") + "@example.org"

    mark = counted_cloud.warm()
    assert backend.find_project(project_name, likely_new=True) is None
    project = backend.create_project(project_name, "", checked=True)
    counted_cloud.track("project", project.item.id)
    assert backend.find_user(email, likely_new=True) is None
    user = backend.create_user(email, email, "", secrets.token_urlsafe(16), checked=True)
    counted_cloud.track("user", user.item.id)
    backend.ensure_member(user.item.id, project.item.id)
    assert (project.created, user.created) == (True, True)
    assert counted_cloud.keystone_calls(mark) == 5

    other = backend.create_project(unique_name("join"), "").item
    counted_cloud.track("project", other.id)
    mark = counted_cloud.counter.mark()
    joined = backend.find_project(other.name)
    found = backend.find_user(email)
    assert joined == other and found == user.item
    backend.ensure_member(found.id, joined.id)
    assert counted_cloud.keystone_calls(mark) == 3


def test_a_user_spelled_in_another_case_is_found_in_either_mode(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    stored = unique_name("Ada").replace("ada", "Ada") + "@Example.org"
    legacy = counted_cloud.admin.client.users.create(name=stored, domain="default")
    counted_cloud.track("user", legacy.id)
    for likely_new in (False, True):
        found = counted_cloud.backend.find_user(stored.lower(), likely_new=likely_new)
        assert found is not None and found.id == legacy.id
    again = counted_cloud.backend.create_user(stored.lower(), stored.lower(), "", "x" * 16)
    assert (again.created, again.item.id) == (False, legacy.id)


def test_lookup_sends_a_name_filter_never_a_bare_listing(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    seen: list[str] = []
    counted_cloud.backend.session.session.hooks["response"].append(
        lambda r, *a, **k: seen.append(str(r.request.url))
    )
    counted_cloud.backend.find_user(unique_name("Nobody") + "@Example.org")
    listings = [u for u in seen if "/v3/users" in u]
    exact, inexact = listings  # the indexed exact query first, then the case-insensitive one
    assert "name=" in exact and "name__" not in exact
    assert "name__istartswith=" in inexact and "name__iendswith=" in inexact
    assert all("domain_id=default" in u for u in listings)


def test_like_wildcards_in_a_name_do_not_match_other_names(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("wildxcard")
    project = counted_cloud.backend.create_project(name, "").item
    counted_cloud.track("project", project.id)
    # Keystone passes _ and % to SQL LIKE unescaped; our own comparison must reject these
    assert counted_cloud.backend.find_project(name.replace("x", "_", 1)) is None
    assert counted_cloud.backend.find_project(name[:4] + "%" + name[-4:]) is None
    assert counted_cloud.backend.find_project(name.upper()) == project


def test_case_twins_are_ambiguous_unless_spelled_exactly(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    base = unique_name("twin")
    client = counted_cloud.admin.client
    lower = client.projects.create(name=base, domain="default")
    upper = client.projects.create(name=base.upper(), domain="default")
    counted_cloud.track("project", lower.id)
    counted_cloud.track("project", upper.id)

    with pytest.raises(AmbiguousName) as info:
        counted_cloud.backend.find_project(base.title())
    assert set(info.value.names) == {base, base.upper()}
    assert base in str(info.value) and base.upper() in str(info.value)
    found = counted_cloud.backend.find_project(base.upper())
    assert found is not None and found.id == upper.id


def test_project_created_meanwhile_is_found_after_the_conflict(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = unique_name("race")
    other = counted_cloud.admin.client.projects.create(name=name, domain="default")
    counted_cloud.track("project", other.id)
    real_find = projects.find_project
    answers = iter([None])  # the first lookup misses it, as if the other create came later

    def late_find(*args: Any, **kwargs: Any) -> Any:
        return next(answers, None) or real_find(*args, **kwargs)

    monkeypatch.setattr(projects, "find_project", late_find)
    result = counted_cloud.backend.create_project(name, "")
    assert result.created is False
    assert result.item.id == other.id


def test_reserved_project_names_are_refused_without_asking_keystone(
    counted_cloud: CountedCloud,
) -> None:
    mark = counted_cloud.counter.mark()
    for name in ("admin", "Service", "nova"):
        with pytest.raises(ReservedName, match="reserved"):
            counted_cloud.backend.create_project(name, "")
        with pytest.raises(ReservedName):
            counted_cloud.backend.find_project(name)
    assert counted_cloud.counter.calls_since(mark) == []


def test_missing_project_by_name_reads_plainly(counted_cloud: CountedCloud) -> None:
    client = counted_cloud.backend.client
    with pytest.raises(NotFound, match="no project named 'no-such-thing' in domain default"):
        projects.get_project(client, "no-such-thing", "default")
    with pytest.raises(NotFound, match="no project with id 'f00'"):
        counted_cloud.backend.get_project("f00")
