"""The real Keystone harness does what the provisioning code will ask of a cloud."""

from __future__ import annotations

import http.client
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

from moc_tui.devstack.keystone import LocalKeystone
from tests.fixtures.keystone import KeystoneAdmin

pytestmark = pytest.mark.keystone


def _find_by_name(manager: Any, name: str) -> list[Any]:
    """Case-insensitive lookup: a filtered query, then our own comparison (see reference)."""
    found = manager.list(domain="default", name__icontains=name)
    return [r for r in found if r.name.lower() == name.lower()]


def test_server_answers_version_document(keystone: LocalKeystone) -> None:
    assert keystone.running
    assert keystone.auth_url.startswith("http://127.0.0.1:")
    conn = http.client.HTTPConnection("127.0.0.1", keystone.port, timeout=5)
    conn.request("GET", "/v3")
    resp = conn.getresponse()
    assert resp.status == 200
    assert b'"id": "v3.' in resp.read()
    conn.close()


def test_identity_endpoint_in_catalog_is_the_real_port(keystone_admin: KeystoneAdmin) -> None:
    url = keystone_admin.session.get_endpoint(service_type="identity", interface="public")
    assert url == keystone_admin.keystone.auth_url


def test_admin_password_is_per_run_and_checked(keystone: LocalKeystone) -> None:
    assert len(keystone.admin_password) >= 32
    creds = keystone.admin_credentials()
    assert creds["password"] == keystone.admin_password
    assert keystone.admin_session().get_user_id()
    wrong = v3.Password(
        auth_url=creds["auth_url"],
        username=creds["username"],
        password=secrets.token_urlsafe(16),
        project_name=creds["project_name"],
        user_domain_id=creds["user_domain_id"],
        project_domain_id=creds["project_domain_id"],
    )
    with pytest.raises(ksa_exc.Unauthorized):
        ks_session.Session(auth=wrong).get_token()


def test_create_and_find_project_and_user_case_insensitively(
    keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    ks = keystone_admin.client
    project_name = unique_name("Proj-Mixed")
    user_name = unique_name("Someone") + "@Example.EDU"
    project = keystone_admin.cleanup(
        ks.projects.create(name=project_name, domain="default", description="harness test")
    )
    user = keystone_admin.cleanup(
        ks.users.create(
            name=user_name, domain="default", password=secrets.token_urlsafe(16), email=user_name
        )
    )

    # The exact filter is case-sensitive on this backend: it finds nothing for other casing.
    assert ks.users.list(domain="default", name=user_name.upper()) == []
    assert [p.id for p in _find_by_name(ks.projects, project_name.upper())] == [project.id]
    assert [u.id for u in _find_by_name(ks.users, user_name.lower())] == [user.id]
    assert ks.projects.get(project.id).description == "harness test"
    assert ks.users.get(user.id).email == user_name


def test_member_grant_lets_the_user_log_in_to_the_project(
    keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    ks = keystone_admin.client
    password = secrets.token_urlsafe(16)
    project = keystone_admin.cleanup(ks.projects.create(name=unique_name("p"), domain="default"))
    user = keystone_admin.cleanup(
        ks.users.create(name=unique_name("u"), domain="default", password=password)
    )
    ks.roles.grant(ks.roles.find(name="member"), user=user, project=project)

    assert [a.role["id"] for a in ks.role_assignments.list(user=user, project=project)] == [
        ks.roles.find(name="member").id
    ]
    sess = keystone_admin.keystone.user_session(user.name, password, project.id)
    assert sess.get_user_id() == user.id
    assert sess.get_project_id() == project.id
    assert isinstance(sess.auth, v3.Password)
    roles = set(sess.auth.get_access(sess).role_names or [])
    assert {"member", "reader"} <= roles
    assert "admin" not in roles


def test_user_without_a_grant_cannot_scope_to_the_project(
    keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    ks = keystone_admin.client
    password = secrets.token_urlsafe(16)
    project = keystone_admin.cleanup(ks.projects.create(name=unique_name("p"), domain="default"))
    user = keystone_admin.cleanup(
        ks.users.create(name=unique_name("u"), domain="default", password=password)
    )
    sess = keystone_admin.keystone.user_session(user.name, password, project.id)
    with pytest.raises(ksa_exc.Unauthorized):
        sess.get_token()


def test_self_service_password_change(
    keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    ks = keystone_admin.client
    old, new = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    project = keystone_admin.cleanup(ks.projects.create(name=unique_name("p"), domain="default"))
    user = keystone_admin.cleanup(
        ks.users.create(name=unique_name("u"), domain="default", password=old)
    )
    ks.roles.grant(ks.roles.find(name="member"), user=user, project=project)
    keystone = keystone_admin.keystone

    own = client.Client(
        session=keystone.user_session(user.name, old, project.id), interface="public"
    )
    own.users.update_password(old, new)

    with pytest.raises(ksa_exc.Unauthorized):
        keystone.user_session(user.name, old, project.id).get_token()
    assert keystone.user_session(user.name, new, project.id).get_user_id() == user.id


def test_second_server_from_template_keeps_its_data_across_restart(
    keystone: LocalKeystone, tmp_path: Path, unique_name: Callable[[str], str]
) -> None:
    other = LocalKeystone(tmp_path / "state", keystone.template_root)
    with other:
        assert other.template_seconds < 1.0  # the session fixture already built the template
        first_port, first_password = other.port, other.admin_password
        ks = client.Client(session=other.admin_session(), interface="public")
        name = unique_name("survivor")
        ks.projects.create(name=name, domain="default")
        # the session fixture's data is not shared: separate DB copies
        assert client.Client(session=keystone.admin_session()).projects.list(name=name) == []
    assert not other.running
    with pytest.raises(ConnectionError):
        http.client.HTTPConnection("127.0.0.1", first_port, timeout=2).request("GET", "/v3")

    with other:
        assert other.admin_password != first_password
        ks = client.Client(session=other.admin_session(), interface="public")
        assert [p.name for p in ks.projects.list(name=name)] == [name]


# -- a Keystone holding more than its 1,000-entry list cap ----------------------------------

CROWD = 1100  # users and projects: past the cap, and seeded by SQL in well under a second


@pytest.fixture(scope="module")
def crowded_keystone(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalKeystone]:
    from bench.keystone_seed import prepare_state, seeded_template

    cache = getattr(request.config, "cache", None)
    root = Path(cache.mkdir("keystone-template")) if cache else tmp_path_factory.mktemp("tpl")
    state = tmp_path_factory.mktemp("crowded-keystone")
    prepare_state(state, seeded_template(root, CROWD, CROWD))
    with LocalKeystone(state, root) as server:
        yield server


def test_listing_is_cut_at_1000_and_lookups_find_what_lies_beyond(
    crowded_keystone: LocalKeystone,
) -> None:
    from bench.keystone_seed import seed_project_name, seed_user_name
    from moc_tui.core.cloud import KeystoneCloud, RequestCounter
    from moc_tui.core.cloud.search import list_project_names
    from tests.fixtures.keystone import admin_auth

    auth = admin_auth(crowded_keystone)
    counter = RequestCounter(auth.auth_url)
    cloud = KeystoneCloud.from_settings(auth, counter=counter)
    listed = cloud.client.users.list(domain="default")
    assert len(listed) == 1000  # silently: no error, no sign that 101 users are missing

    unlisted = sorted({seed_user_name(n) for n in range(CROWD)} - {u.name for u in listed})
    capitalised = next(name for name in unlisted if name != name.lower())
    for likely_new in (False, True):  # stored with capitals, typed in lower case
        found = cloud.find_user(capitalised.lower(), likely_new=likely_new)
        assert found is not None and found.name == capitalised
    lower = next(name for name in unlisted if name == name.lower())
    mark = counter.mark()
    assert cloud.find_user(lower) is not None
    assert len(counter.keystone_since(mark)) == 1  # the exact query hits

    mark = counter.mark()
    names = list_project_names(cloud)
    assert len(counter.keystone_since(mark)) == 2  # two pages of at most 1,000
    assert seed_project_name(CROWD - 1) in names and "admin" in names
    assert len(names) == len(set(names)) == CROWD + 1
