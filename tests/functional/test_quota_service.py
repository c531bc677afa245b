"""The quota stand-in answers like Nova / Neutron / Cinder, through the real Keystone catalog."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from keystoneauth1.session import Session

from moc_tui.devstack.quota_service import (
    COMPUTE_DEFAULTS,
    NETWORK_DEFAULTS,
    VOLUME_DEFAULTS,
    LoggedRequest,
    QuotaService,
    register_catalog,
)
from tests.fixtures.keystone import KeystoneAdmin

pytestmark = pytest.mark.keystone

COMPUTE = {"service_type": "compute", "interface": "public"}
NETWORK = {"service_type": "network", "interface": "public"}
VOLUME = {"service_type": "volumev3", "interface": "public"}


@dataclass
class Member:
    """A project with a plain member user, and that user's own session."""

    project_id: str
    session: Session


@pytest.fixture
def project_id(keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]) -> str:
    ks = keystone_admin.client
    project = keystone_admin.cleanup(ks.projects.create(name=unique_name("q"), domain="default"))
    return str(project.id)


@pytest.fixture
def member(
    keystone_admin: KeystoneAdmin, project_id: str, unique_name: Callable[[str], str]
) -> Member:
    ks = keystone_admin.client
    password = secrets.token_urlsafe(16)
    user = keystone_admin.cleanup(
        ks.users.create(name=unique_name("m"), domain="default", password=password)
    )
    ks.roles.grant(ks.roles.find(name="member"), user=user, project=project_id)
    return Member(project_id, keystone_admin.keystone.user_session(user.name, password, project_id))


def _get(sess: Session, path: str, filt: dict[str, str], **kw: Any) -> Any:
    return sess.get(path, endpoint_filter=filt, raise_exc=False, **kw)


def _put(sess: Session, path: str, filt: dict[str, str], body: object) -> Any:
    return sess.put(path, endpoint_filter=filt, json=body, raise_exc=False)


def test_endpoints_are_found_through_the_catalog(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin
) -> None:
    sess = keystone_admin.session
    admin_project = sess.get_project_id()
    base = quota_service.url
    assert sess.get_endpoint(service_type="compute", interface="public") == f"{base}/compute/v2.1"
    assert sess.get_endpoint(service_type="network", interface="public") == f"{base}/network"
    assert (
        sess.get_endpoint(service_type="volumev3", interface="public")
        == f"{base}/volume/v3/{admin_project}"
    )


def test_catalog_registration_is_idempotent(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin
) -> None:
    ks = keystone_admin.client
    again = register_catalog(ks, quota_service.url)
    assert again["compute"] == f"{quota_service.url}/compute/v2.1"
    for service_type in ("compute", "network", "volumev3"):
        (service,) = ks.services.list(type=service_type)
        assert len(ks.endpoints.list(service=service, interface="public")) == 1


def test_new_project_reads_the_moc_defaults(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin, project_id: str
) -> None:
    sess = keystone_admin.session
    compute = _get(sess, f"/os-quota-sets/{project_id}", COMPUTE).json()["quota_set"]
    network = _get(sess, f"/v2.0/quotas/{project_id}", NETWORK).json()["quota"]
    volume = _get(sess, f"/os-quota-sets/{project_id}", VOLUME).json()["quota_set"]
    assert compute == {"id": project_id, **COMPUTE_DEFAULTS}
    assert (compute["instances"], compute["cores"], compute["ram"]) == (10, 20, 51200)
    assert network == dict(NETWORK_DEFAULTS)
    assert (network["port"], network["floatingip"], network["security_group"]) == (155, 2, -1)
    assert volume == {"id": project_id, **VOLUME_DEFAULTS}
    assert (volume["gigabytes"], volume["volumes"]) == (1000, 10)


def test_put_then_get_round_trips_for_all_three_apis(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin, project_id: str
) -> None:
    sess = keystone_admin.session
    put = _put(sess, f"/os-quota-sets/{project_id}", COMPUTE, {"quota_set": {"cores": 40}})
    assert put.status_code == 200
    assert put.json()["quota_set"]["cores"] == 40
    assert "id" not in put.json()["quota_set"]
    put = _put(sess, f"/v2.0/quotas/{project_id}", NETWORK, {"quota": {"port": "200"}})
    assert (put.status_code, put.json()["quota"]["port"]) == (200, 200)
    put = _put(sess, f"/os-quota-sets/{project_id}", VOLUME, {"quota_set": {"gigabytes": -1}})
    assert (put.status_code, put.json()["quota_set"]["gigabytes"]) == (200, -1)

    assert _get(sess, f"/os-quota-sets/{project_id}", COMPUTE).json()["quota_set"]["cores"] == 40
    assert _get(sess, f"/os-quota-sets/{project_id}", COMPUTE).json()["quota_set"]["ram"] == 51200
    assert _get(sess, f"/v2.0/quotas/{project_id}", NETWORK).json()["quota"]["port"] == 200
    assert _get(sess, f"/os-quota-sets/{project_id}", VOLUME).json()["quota_set"]["gigabytes"] == -1
    assert quota_service.quotas("compute", project_id)["cores"] == 40
    assert quota_service.quotas("network", project_id)["port"] == 200
    assert quota_service.quotas("volume", project_id)["gigabytes"] == -1


def test_requests_are_logged(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin, project_id: str
) -> None:
    quota_service.clear_log()
    sess = keystone_admin.session
    _get(sess, f"/os-quota-sets/{project_id}", COMPUTE)
    _put(sess, f"/v2.0/quotas/{project_id}", NETWORK, {"quota": {"router": 3}})
    assert quota_service.requests == [
        LoggedRequest("GET", f"/compute/v2.1/os-quota-sets/{project_id}", 200),
        LoggedRequest("PUT", f"/network/v2.0/quotas/{project_id}", 200),
    ]


def test_requests_without_a_valid_token_are_401(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin, project_id: str
) -> None:
    sess = keystone_admin.session
    no_token = _get(sess, f"/os-quota-sets/{project_id}", COMPUTE, authenticated=False)
    assert no_token.status_code == 401
    assert no_token.headers["WWW-Authenticate"].startswith("Keystone uri=")
    forged = _get(
        sess,
        f"/v2.0/quotas/{project_id}",
        NETWORK,
        authenticated=False,
        headers={"X-Auth-Token": "gAAAAA" + secrets.token_urlsafe(40)},
    )
    assert forged.status_code == 401
    assert quota_service.quotas("network", project_id) == dict(NETWORK_DEFAULTS)


def test_member_reads_own_quotas_but_cannot_change_them(
    quota_service: QuotaService, member: Member
) -> None:
    own = _get(member.session, f"/os-quota-sets/{member.project_id}", COMPUTE)
    assert own.status_code == 200
    assert own.json()["quota_set"]["instances"] == 10
    for path, filt, body in (
        (f"/os-quota-sets/{member.project_id}", COMPUTE, {"quota_set": {"instances": 99}}),
        (f"/v2.0/quotas/{member.project_id}", NETWORK, {"quota": {"port": 999}}),
        (f"/os-quota-sets/{member.project_id}", VOLUME, {"quota_set": {"volumes": 99}}),
    ):
        assert _put(member.session, path, filt, body).status_code == 403
    assert quota_service.quotas("compute", member.project_id)["instances"] == 10
    assert (
        "NeutronError"
        in _put(
            member.session, f"/v2.0/quotas/{member.project_id}", NETWORK, {"quota": {"port": 1}}
        ).json()
    )


def test_member_cannot_read_another_projects_quotas(
    quota_service: QuotaService, member: Member, keystone_admin: KeystoneAdmin
) -> None:
    other = keystone_admin.session.get_project_id()
    assert _get(member.session, f"/os-quota-sets/{other}", COMPUTE).status_code == 403


@pytest.mark.parametrize("value", ["ten", 1.5, -2, True, None, [5], 2**31, "1e3"], ids=repr)
def test_bad_values_are_400_and_change_nothing(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin, project_id: str, value: object
) -> None:
    sess = keystone_admin.session
    body = {"quota_set": {"cores": 30, "instances": value}}
    resp = _put(sess, f"/os-quota-sets/{project_id}", COMPUTE, body)
    assert resp.status_code == 400
    assert "badRequest" in resp.json()
    assert (
        _put(sess, f"/v2.0/quotas/{project_id}", NETWORK, {"quota": {"port": value}}).status_code
        == 400
    )
    assert quota_service.quotas("compute", project_id)["cores"] == 20


@pytest.mark.parametrize(
    ("path", "filt", "body"),
    [
        ("/os-quota-sets/{pid}", COMPUTE, {"quota_set": {"floating_ips": 5}}),
        ("/v2.0/quotas/{pid}", NETWORK, {"quota": {"floating_ips": 5}}),
        ("/os-quota-sets/{pid}", VOLUME, {"quota_set": {"volume": 5}}),
        ("/os-quota-sets/{pid}", COMPUTE, {"cores": 5}),
        ("/v2.0/quotas/{pid}", NETWORK, {"quota_set": {"port": 5}}),
    ],
    ids=["compute-key", "network-key", "volume-key", "compute-unwrapped", "network-wrapper"],
)
def test_unknown_keys_and_wrappers_are_400(
    quota_service: QuotaService,
    keystone_admin: KeystoneAdmin,
    project_id: str,
    path: str,
    filt: dict[str, str],
    body: object,
) -> None:
    resp = _put(keystone_admin.session, path.format(pid=project_id), filt, body)
    assert resp.status_code == 400


def test_unknown_project(quota_service: QuotaService, keystone_admin: KeystoneAdmin) -> None:
    """Cinder and this stand-in's Neutron say 404; real Nova says 400 (verify_project_id)."""
    sess = keystone_admin.session
    missing = secrets.token_hex(16)
    compute = _put(sess, f"/os-quota-sets/{missing}", COMPUTE, {"quota_set": {"cores": 1}})
    assert compute.status_code == 400
    assert "is not a valid project" in compute.json()["badRequest"]["message"]
    assert _get(sess, f"/os-quota-sets/{missing}", COMPUTE).status_code == 400
    assert _get(sess, f"/v2.0/quotas/{missing}", NETWORK).status_code == 404
    assert _put(sess, f"/v2.0/quotas/{missing}", NETWORK, {"quota": {"port": 1}}).status_code == 404
    assert _get(sess, f"/os-quota-sets/{missing}", VOLUME).status_code == 404
    assert (
        _put(sess, f"/os-quota-sets/{missing}", VOLUME, {"quota_set": {"volumes": 1}}).status_code
        == 404
    )


def test_ports_are_listed_per_project_and_counted_in_usage(
    quota_service: QuotaService, keystone_admin: KeystoneAdmin, member: Member
) -> None:
    pid = member.project_id
    seeded = [quota_service.add_port(pid, device_owner="compute:nova") for _ in range(3)]
    quota_service.add_port(keystone_admin.session.get_project_id() or "", name="elsewhere")

    admin = _get(keystone_admin.session, f"/v2.0/ports?project_id={pid}", NETWORK)
    assert admin.status_code == 200
    assert sorted(p["id"] for p in admin.json()["ports"]) == sorted(p["id"] for p in seeded)
    own = _get(member.session, "/v2.0/ports", NETWORK).json()["ports"]
    assert {p["project_id"] for p in own} == {pid}
    assert len(own) == 3

    details = _get(keystone_admin.session, f"/v2.0/quotas/{pid}/details", NETWORK).json()
    assert details["quota"]["port"] == {"limit": 155, "used": 3, "reserved": 0}
    detail = _get(keystone_admin.session, f"/os-quota-sets/{pid}/detail", COMPUTE).json()
    assert detail["quota_set"]["cores"] == {"limit": 20, "in_use": 0, "reserved": 0}
    usage = _get(keystone_admin.session, f"/os-quota-sets/{pid}?usage=True", VOLUME).json()
    assert usage["quota_set"]["gigabytes"]["limit"] == 1000


def test_no_handler_errors(quota_service: QuotaService) -> None:
    assert quota_service.errors == []
