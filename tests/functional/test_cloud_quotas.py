"""Quotas through the catalog against the quota stand-in, and the port auto-adjust rule."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from keystoneauth1 import exceptions as ksa_exc

from moc_tui.core.cloud import (
    CloudError,
    KeystoneCloud,
    NotFound,
    QuotaNotApplied,
    RequestCounter,
    ServiceMissing,
    adjust_port_quota,
    quotas,
)
from moc_tui.devstack.keystone import LocalKeystone
from moc_tui.devstack.quota_service import DEFAULTS, QuotaService
from tests.fixtures.keystone import KeystoneAdmin, admin_auth


@pytest.fixture
def cloud(keystone: LocalKeystone, quota_service: QuotaService) -> KeystoneCloud:
    """Built after the quota service is in the catalog, so its token's catalog has it."""
    auth = admin_auth(keystone)
    return KeystoneCloud.from_settings(auth, counter=RequestCounter(auth.auth_url))


@pytest.fixture
def project_id(
    cloud: KeystoneCloud, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> Iterator[str]:
    project = cloud.create_project(unique_name("quota"), "quota test").item
    try:
        yield project.id
    finally:
        with contextlib.suppress(ksa_exc.NotFound):
            keystone_admin.client.projects.delete(project.id)


def _project_requests(service: QuotaService, project_id: str, method: str) -> list[str]:
    return [r.path for r in service.requests if r.method == method and project_id in r.path]


@pytest.mark.keystone
def test_get_quotas_merges_the_three_services(cloud: KeystoneCloud, project_id: str) -> None:
    merged = cloud.get_quotas(project_id)
    expected = {**DEFAULTS["compute"], **DEFAULTS["network"], **DEFAULTS["volume"]}
    assert merged == expected
    assert "id" not in merged


@pytest.mark.keystone
def test_set_quotas_changes_only_the_requested_keys(
    cloud: KeystoneCloud, project_id: str, quota_service: QuotaService
) -> None:
    wanted = {"instances": 25, "ram": 102400, "network": 8, "port": 200, "gigabytes": 2000}
    applied = cloud.set_quotas(project_id, wanted)

    assert applied == wanted
    assert {k: v for k, v in cloud.get_quotas(project_id).items() if k in wanted} == wanted
    for api in ("compute", "network", "volume"):
        stored = quota_service.quotas(api, project_id)
        changed = {k for k, v in stored.items() if v != DEFAULTS[api][k]}
        assert changed == {k for k in wanted if k in stored}, api
    puts = _project_requests(quota_service, project_id, "PUT")
    assert len(puts) == 3  # one per service, each with only its own keys (else a 400)


@pytest.mark.keystone
def test_set_quotas_calls_only_the_services_concerned(
    cloud: KeystoneCloud, project_id: str, quota_service: QuotaService
) -> None:
    assert cloud.set_quotas(project_id, {"cores": 40, "key_pairs": 3}) == {
        "cores": 40,
        "key_pairs": 3,
    }
    assert _project_requests(quota_service, project_id, "PUT") == [
        f"/compute/v2.1/os-quota-sets/{project_id}"
    ]
    assert quota_service.quotas("network", project_id) == dict(DEFAULTS["network"])
    assert quota_service.quotas("volume", project_id) == dict(DEFAULTS["volume"])


@pytest.mark.keystone
def test_unknown_project_is_a_clear_error(
    cloud: KeystoneCloud, quota_service: QuotaService
) -> None:
    missing = secrets.token_hex(16)
    with pytest.raises(NotFound, match=f"no project with id '{missing}'"):
        cloud.set_quotas(missing, {"instances": 5, "port": 20})
    with pytest.raises(NotFound, match=f"no project with id '{missing}'"):
        cloud.get_quotas(missing)
    assert _project_requests(quota_service, missing, "PUT") == []


@pytest.mark.keystone
def test_bad_keys_and_values_are_refused_before_any_call(
    cloud: KeystoneCloud, project_id: str, quota_service: QuotaService
) -> None:
    bad: dict[str, Any] = {"per_volume_gigabyte": 5, "ram": "lots", "cores": -2, "fish": 1}
    with pytest.raises(CloudError) as info:
        cloud.set_quotas(project_id, bad)
    text = str(info.value)
    assert "unknown quota 'per_volume_gigabyte' (did you mean 'per_volume_gigabytes'?)" in text
    assert "unknown quota 'fish'" in text
    assert "quota ram must be a whole number" in text
    assert "quota cores must be a whole number" in text
    assert _project_requests(quota_service, project_id, "PUT") == []


@pytest.mark.keystone
def test_a_rejected_service_reports_what_was_applied(
    cloud: KeystoneCloud, project_id: str, quota_service: QuotaService
) -> None:
    too_big = 2**31  # above the APIs' maximum: Neutron answers 400
    with pytest.raises(QuotaNotApplied) as info:
        cloud.set_quotas(project_id, {"instances": 12, "network": too_big, "volumes": 4})
    assert info.value.applied == {"instances": 12}
    assert "already applied: instances=12" in str(info.value)
    assert "answered 400" in str(info.value)
    assert quota_service.quotas("compute", project_id)["instances"] == 12
    assert quota_service.quotas("volume", project_id) == dict(DEFAULTS["volume"])


@pytest.mark.keystone
def test_volume_endpoint_has_the_project_filled_in(cloud: KeystoneCloud) -> None:
    url = quotas.endpoint(cloud.session, quotas.APIS["volume"])
    assert url.endswith(f"/volume/v3/{cloud.session.get_project_id()}")


def test_leftover_catalog_placeholders_are_filled() -> None:
    class FakeSession:
        def get_endpoint(self, **kwargs: Any) -> str:
            return "https://cinder.example/v3/%(tenant_id)s"

        def get_project_id(self) -> str:
            return "abc123"

    url = quotas.endpoint(FakeSession(), quotas.APIS["volume"])  # type: ignore[arg-type]
    assert url == "https://cinder.example/v3/abc123"


@pytest.mark.keystone
def test_ports_in_use_skips_instance_ports(
    cloud: KeystoneCloud, project_id: str, quota_service: QuotaService
) -> None:
    quota_service.add_port(project_id, device_owner="network:dhcp")
    quota_service.add_port(project_id, device_owner="network:router_interface")
    quota_service.add_port(project_id, device_owner="")
    quota_service.add_port(project_id, device_owner="compute:nova")
    quota_service.add_port(project_id, device_owner="compute:zone-b")
    quota_service.add_port(secrets.token_hex(16), device_owner="network:dhcp")  # other project
    assert cloud.ports_in_use(project_id) == 3


# -- the port auto-adjust rule (pure) -----------------------------------------------------

CURRENT = {"instances": 10, "network": 5, "port": 155, "cores": 20}


def test_port_is_left_alone_when_requested_or_unrelated() -> None:
    assert adjust_port_quota({"instances": 500, "port": 100}, CURRENT, 3) == (
        {"instances": 500, "port": 100},
        None,
    )
    assert adjust_port_quota({"cores": 64}, CURRENT, 3) == ({"cores": 64}, None)


def test_enough_ports_already_means_no_change() -> None:
    assert adjust_port_quota({"instances": 50}, CURRENT, 4) == ({"instances": 50}, None)
    assert adjust_port_quota({"network": 10}, CURRENT, 4) == ({"network": 10}, None)


def test_more_instances_raise_ports_by_the_requested_instance_quota() -> None:
    values, reason = adjust_port_quota({"instances": 200}, CURRENT, 7)
    assert values == {"instances": 200, "port": 212}  # 200 + 7 + 5
    assert reason == (
        "port quota raised from 155 to 212: 200 instances + 7 ports in use outside "
        "instances + 5 spare"
    )


def test_new_networks_add_two_ports_each() -> None:
    current = {"instances": 150, "network": 5, "port": 155}
    values, reason = adjust_port_quota({"network": 10}, current, 2)
    assert values == {"network": 10, "port": 167}  # 150 + 2 + 2*5 + 5
    assert reason is not None and "2 x 5 new networks" in reason


def test_instances_and_networks_together_use_the_new_instance_quota() -> None:
    values, reason = adjust_port_quota({"instances": 160, "network": 7}, CURRENT, 1)
    assert values["port"] == 160 + 1 + 2 * 2 + 5
    assert reason is not None and reason.startswith("port quota raised from 155 to 170")


def test_fewer_networks_never_lower_ports() -> None:
    assert adjust_port_quota({"network": 2}, {**CURRENT, "port": 10}, 0) == (
        {"network": 2, "port": 15},  # 10 instances + 0 + 0 new networks + 5 > 10
        "port quota raised from 10 to 15: 10 instances + 0 ports in use outside instances"
        " + 5 spare",
    )
    assert adjust_port_quota({"network": 2}, {**CURRENT, "port": 500}, 0)[1] is None


def test_unlimited_quotas_leave_ports_alone() -> None:
    assert adjust_port_quota({"instances": -1}, CURRENT, 3)[1] is None
    assert adjust_port_quota({"instances": 900}, {**CURRENT, "port": -1}, 3)[1] is None
    assert adjust_port_quota({"network": -1}, CURRENT, 3)[1] is None


def test_missing_current_quota_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="current quotas lack 'port'"):
        adjust_port_quota({"instances": 20}, {"instances": 10, "network": 5}, 0)


def test_a_service_missing_from_the_catalog_is_named() -> None:
    class NoVolumeSession:
        def get_endpoint(self, **kwargs: Any) -> str:
            raise ksa_exc.EndpointNotFound("no volumev3 endpoint")

    with pytest.raises(ServiceMissing, match="finding the volumev3 endpoint in the catalog"):
        quotas.endpoint(NoVolumeSession(), quotas.APIS["volume"])  # type: ignore[arg-type]
