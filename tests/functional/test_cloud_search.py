"""moc_tui.core.cloud.search: project suggestions (ranking, aliases, the cached name list) and the
user search, the Keystone parts against the real Keystone."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest

from moc_tui.core.cloud.search import (
    ALIAS,
    KEYSTONE,
    ProjectDirectory,
    SearchRefused,
    Suggestion,
    closeness,
    find_users,
    list_project_names,
    suggest_projects,
)
from moc_tui.devstack.keystone import LocalKeystone
from tests.fixtures.keystone import CountedCloud

# -- ranking (no Keystone) -------------------------------------------------------------------


def test_closeness_tiers() -> None:
    assert closeness("k2k", "K2K") == (0, -1.0)
    assert closeness("k2k", "k2k-lab")[0] == 1  # type: ignore[index]
    assert closeness("lab", "k2k-lab")[0] == 2  # type: ignore[index]
    assert closeness("wonderlnd", "wonderland")[0] == 3  # type: ignore[index]
    assert closeness("zzz", "wonderland") is None
    assert closeness("", "wonderland") is None


def test_suggestions_rank_same_prefix_contained_then_close() -> None:
    names = ["bob-lab", "Lab", "laboratory", "my-lab", "lbb", "unrelated", "admin", "service"]
    found = suggest_projects("lab", names, {})
    # within a tier the closer (here: shorter) name first
    assert [s.name for s in found] == ["Lab", "laboratory", "my-lab", "bob-lab", "lbb"]
    assert all(s.source == KEYSTONE and s.target == s.name for s in found)
    # reserved projects are never offered, however close
    assert suggest_projects("admin", names, {}) == []
    assert suggest_projects("  ", names, {}) == []


def test_aliases_match_by_alias_or_target_and_the_limit_holds() -> None:
    aliases = {"bu-robots": "robotics-2026", "old-k2k": "k2k", "root": "k2k", "x": "admin"}
    by_alias = suggest_projects("bu-rob", [], aliases)
    assert by_alias == [Suggestion("bu-robots", ALIAS, "robotics-2026")]
    by_target = suggest_projects("k2k", ["k2k"], aliases)
    assert by_target == [Suggestion("k2k", KEYSTONE, "k2k"), Suggestion("old-k2k", ALIAS, "k2k")]
    many = [f"proj-{i:02d}" for i in range(30)]
    assert len(suggest_projects("proj", many, {})) == 8
    assert len(suggest_projects("proj", many, {}, limit=3)) == 3


def test_project_directory_lists_once_per_ttl_and_never_caches_a_failure() -> None:
    now = [100.0]
    answers: list[list[str] | Exception] = [["a"], RuntimeError("down"), ["a", "b"]]
    calls: list[int] = []

    def lister() -> list[str]:
        calls.append(1)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    directory = ProjectDirectory(lister, ttl=60, clock=lambda: now[0])
    assert directory.names() == ["a"]
    now[0] += 59
    assert directory.names() == ["a"] and len(calls) == 1
    now[0] += 1
    with pytest.raises(RuntimeError):
        directory.names()
    assert directory.names() == ["a", "b"] and len(calls) == 3
    directory.forget()
    answers.append(["c"])
    assert directory.names() == ["c"]


# -- against the real Keystone ---------------------------------------------------------------


def make_user(
    counted_cloud: CountedCloud, name: str, email: str | None = None, enabled: bool = True
) -> str:
    client = counted_cloud.admin.client
    user = client.users.create(
        name=name,
        domain="default",
        email=email if email is not None else name,
        password=secrets.token_urlsafe(16),
        enabled=enabled,
    )
    counted_cloud.admin.cleanup(user)
    return str(user.id)


@pytest.mark.keystone
def test_project_names_listed_in_one_call_and_cached(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    name = unique_name("Search-Lab")
    counted_cloud.admin.cleanup(
        counted_cloud.admin.client.projects.create(name=name, domain="default")
    )
    counted_cloud.backend.find_project(unique_name("warm"))  # token and discovery out of the way
    mark = counted_cloud.counter.mark()
    directory = ProjectDirectory.of(counted_cloud.backend)
    first = directory.names()
    assert name in first and "admin" in first  # the raw list; suggestions drop reserved ones
    assert directory.names() == first
    assert counted_cloud.keystone_calls(mark) == 1
    found = suggest_projects(name.lower()[:-2], first, {"lab-alias": name})
    assert found[0] == Suggestion(name, KEYSTONE, name)
    assert Suggestion("lab-alias", ALIAS, name) in found
    assert all(s.name != "admin" for s in suggest_projects("admin", first, {}))
    assert name in list_project_names(counted_cloud.backend)


@pytest.mark.keystone
def test_find_users_by_name_or_email_ignoring_case(
    counted_cloud: CountedCloud, unique_name: Callable[[str], str]
) -> None:
    tag = unique_name("srch")
    alice = f"{tag}-alice@example.org"
    make_user(counted_cloud, alice)
    make_user(counted_cloud, f"{tag}-bob@example.org", email=f"robert.{tag}@example.net")
    make_user(counted_cloud, f"{tag}-carol@example.org", enabled=False)
    make_user(counted_cloud, "x" + tag, email="elsewhere@example.org")
    counted_cloud.backend.find_project(unique_name("warm"))
    counted_cloud.backend.roles.id_of("admin")  # the role id is looked up once per process
    mark = counted_cloud.counter.mark()
    found = find_users(counted_cloud.backend, tag.upper())
    assert counted_cloud.keystone_calls(mark) == 2  # the filtered user list, the admin assignments
    assert [u.name for u in found] == [
        f"{tag}-alice@example.org",
        f"{tag}-bob@example.org",
        f"{tag}-carol@example.org",
        "x" + tag,
    ]
    assert [u.enabled for u in found] == [True, True, False, True]
    assert found[1].email == f"robert.{tag}@example.net"
    [exact] = find_users(counted_cloud.backend, alice.upper())
    assert exact.name == alice
    # the email is compared too (among the names Keystone matched)
    assert [u.name for u in find_users(counted_cloud.backend, f"robert.{tag}")] == []
    assert [u.name for u in find_users(counted_cloud.backend, f"{tag}-bob")] == [
        f"{tag}-bob@example.org"
    ]
    mark = counted_cloud.counter.mark()
    assert find_users(counted_cloud.backend, unique_name("nobody")) == []
    assert counted_cloud.keystone_calls(mark) == 1  # no candidate: no admin check


@pytest.mark.keystone
def test_find_users_never_returns_admin_or_reserved_accounts(
    counted_cloud: CountedCloud, keystone: LocalKeystone, unique_name: Callable[[str], str]
) -> None:
    tag = unique_name("priv")
    plain = make_user(counted_cloud, f"{tag}-plain@example.org")
    boss = make_user(counted_cloud, f"{tag}-boss@example.org")
    make_user(counted_cloud, f"admin@{tag}.example.org")  # a reserved local part
    client = counted_cloud.admin.client
    project = counted_cloud.admin.cleanup(
        client.projects.create(name=unique_name("p"), domain="default")
    )
    admin_role = counted_cloud.backend.roles.id_of("admin")
    client.roles.grant(admin_role, user=boss, project=project.id)
    found = find_users(counted_cloud.backend, tag)
    assert [u.id for u in found] == [plain]
    # the bootstrap admin itself
    assert find_users(counted_cloud.backend, keystone.admin_credentials()["username"]) == []


@pytest.mark.keystone
def test_short_text_is_refused_before_asking_keystone(counted_cloud: CountedCloud) -> None:
    mark = counted_cloud.counter.mark()
    for text in ("", "a", " b ", "\u00a0"):
        with pytest.raises(SearchRefused, match="at least 2 characters"):
            find_users(counted_cloud.backend, text)
    assert counted_cloud.counter.calls_since(mark) == []
