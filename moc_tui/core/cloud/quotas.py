"""Quotas on compute (Nova), network (Neutron) and volume (Cinder), through the catalog.

Keystone has no quota API: each service keeps its own, so a read merges three answers and a
write sends each service only its own keys (the original sent all three every time). Endpoints
come from the session's catalog (public interface); Cinder's is registered as
`.../v3/$(project_id)s`, which Keystone fills in with the token's project when it issues the
catalog; keystoneauth itself substitutes nothing there (only `%(project_id)s` in an explicit
`endpoint_override`), so a placeholder that survives (unscoped token, old `%(tenant_id)s`
entries) is filled here with the session's project. keystoneauth maps `volumev3` to the
official `block-storage` type and back, so either catalog spelling is found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # every function here gets a live session: keystoneauth is loaded by then
    from keystoneauth1 import session as ks_session

from moc_tui.core.cloud.errors import (
    CloudError,
    NotFound,
    QuotaNotApplied,
    RequestRejected,
    cloud_errors,
    translate_exception,
)
from moc_tui.core.quota_keys import COMPUTE, NETWORK, QUOTA_ALIASES, QUOTA_SERVICE, VOLUME


@dataclass(frozen=True)
class QuotaApi:
    """Where one service keeps quotas: catalog type, path under the endpoint, JSON wrapper."""

    name: str
    service_type: str
    path: str
    wrapper: str


APIS: Mapping[str, QuotaApi] = {
    COMPUTE: QuotaApi(COMPUTE, "compute", "/os-quota-sets/{project_id}", "quota_set"),
    NETWORK: QuotaApi(NETWORK, "network", "/v2.0/quotas/{project_id}", "quota"),
    VOLUME: QuotaApi(VOLUME, "volumev3", "/os-quota-sets/{project_id}", "quota_set"),
}
_PLACEHOLDER = re.compile(r"[$%]\((?:project_id|tenant_id)\)s")
_NOVA_INSTANCE_OWNER = "compute:"  # Nova sets device_owner "compute:<availability zone>"
PORT_PADDING = 5  # spare ports, as the original's HEAD formula added


def endpoint(session: ks_session.Session, api: QuotaApi) -> str:
    """The service's public URL from the catalog, with any project placeholder filled in."""
    from keystoneauth1 import exceptions as ksa_exc

    with cloud_errors(f"finding the {api.service_type} endpoint in the catalog"):
        url = session.get_endpoint(service_type=api.service_type, interface="public")
        if not url:
            raise ksa_exc.EndpointNotFound(f"no public {api.service_type} endpoint")
        if _PLACEHOLDER.search(url):
            url = _PLACEHOLDER.sub(str(session.get_project_id()), url)
    return str(url).rstrip("/")


def _require_project(session: ks_session.Session, project_id: str) -> None:
    """One Keystone call, so an unknown project is a clear error on every service.

    Real Neutron happily stores quotas for ids Keystone never issued; Nova answers 400.
    """
    try:
        with cloud_errors(f"checking that project {project_id} exists"):
            session.get(
                f"/projects/{project_id}",
                endpoint_filter={"service_type": "identity", "interface": "public"},
            )
    except NotFound:
        raise NotFound(f"no project with id {project_id!r}; quotas not read or changed") from None


def _call(
    session: ks_session.Session, method: str, url: str, doing: str, body: object = None
) -> dict[str, Any]:
    from keystoneauth1 import exceptions as ksa_exc

    try:
        response = session.request(url, method, json=body)
    except ksa_exc.ClientException as exc:
        raise translate_exception(exc, doing) from exc
    data = response.json()
    if not isinstance(data, dict):
        raise RequestRejected(f"{doing}: the service answered something that is not an object")
    return data


def _numbers(raw: object) -> dict[str, int]:
    """The integer limits of one answer (drops `id` and anything not a plain int)."""
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): int(v) for k, v in raw.items() if isinstance(v, int) and not isinstance(v, bool)
    }


def _read(session: ks_session.Session, api: QuotaApi, project_id: str) -> dict[str, int]:
    url = endpoint(session, api) + api.path.format(project_id=project_id)
    data = _call(session, "GET", url, f"reading {api.name} quotas of project {project_id}")
    return _numbers(data.get(api.wrapper))


def get_quotas(
    session: ks_session.Session, project_id: str, *, check_project: bool = True
) -> dict[str, int]:
    """All three services' limits merged into one dict (their key names do not overlap)."""
    if check_project:
        _require_project(session, project_id)
    merged: dict[str, int] = {}
    for api in APIS.values():
        merged.update(_read(session, api, project_id))
    return merged


def check_quota_values(values: Mapping[str, object]) -> dict[str, dict[str, int]]:
    """Group by service, refusing unknown keys and values that are not integers >= -1."""
    grouped: dict[str, dict[str, int]] = {}
    problems = []
    for key, value in values.items():
        service = QUOTA_SERVICE.get(key)
        if service is None:
            hint = QUOTA_ALIASES.get(key)
            also = f" (did you mean {hint!r}?)" if hint else ""
            problems.append(f"unknown quota {key!r}{also}")
        elif isinstance(value, bool) or not isinstance(value, int) or value < -1:
            problems.append(f"quota {key} must be a whole number, -1 for unlimited, not {value!r}")
        else:
            grouped.setdefault(service, {})[key] = value
    if problems:
        raise CloudError("; ".join(problems))
    return grouped


def set_quotas(
    session: ks_session.Session,
    project_id: str,
    values: Mapping[str, int],
    *,
    check_project: bool = True,
) -> dict[str, int]:
    """Apply `values`, each service getting only its own keys; return them as read back.

    Services are written in a fixed order (compute, network, volume). If one fails, the error
    is a QuotaNotApplied whose `applied` lists what the earlier services accepted; writing the
    same values again is harmless, so a rerun completes the change.
    """
    grouped = check_quota_values(values)
    if check_project:
        _require_project(session, project_id)
    applied: dict[str, int] = {}
    for name, api in APIS.items():
        keys = grouped.get(name)
        if not keys:
            continue
        doing = f"setting {name} quotas of project {project_id}"
        url = endpoint(session, api) + api.path.format(project_id=project_id)
        try:
            _call(session, "PUT", url, doing, {api.wrapper: keys})
            stored = _read(session, api, project_id)
        except CloudError as exc:
            done = f"; already applied: {_show(applied)}" if applied else "; nothing was changed"
            raise QuotaNotApplied(f"{exc}{done}", applied) from exc
        missing = [k for k in keys if k not in stored]
        if missing:
            raise QuotaNotApplied(
                f"{doing}: the service does not report {', '.join(missing)} after the update",
                applied,
            )
        applied.update({k: stored[k] for k in keys})
    return applied


def _show(values: Mapping[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def ports_in_use(session: ks_session.Session, project_id: str) -> int:
    """Ports of the project not attached to instances (DHCP, router interfaces, LBs, spare).

    Instance ports are the ones whose device_owner is `compute:<zone>`; the original compared
    with `compute:nova` only, which miscounts clouds with other availability zones.
    """
    url: str | None = (
        f"{endpoint(session, APIS[NETWORK])}/v2.0/ports?project_id={project_id}"
        "&fields=id&fields=device_owner"
    )
    count = 0
    while url:
        data = _call(session, "GET", url, f"listing the ports of project {project_id}")
        ports = data.get("ports") or []
        count += sum(
            1
            for p in ports
            if isinstance(p, dict)
            and not str(p.get("device_owner") or "").startswith(_NOVA_INSTANCE_OWNER)
        )
        links = data.get("ports_links") or []
        url = next((str(link["href"]) for link in links if link.get("rel") == "next"), None)
    return count


def adjust_port_quota(
    requested: Mapping[str, int], current: Mapping[str, int], ports_in_use: int
) -> tuple[dict[str, int], str | None]:
    """Raise the port quota when more instances or networks are asked for but ports are not.

    Returns the values to apply (`requested`, plus `port` when raised) and the reason in words,
    or None when nothing changes. Runs only when `port` is not requested and `instances` or
    `network` is, as in the original. The port quota must cover

        new instance quota            (one port each)
      + ports in use outside instances (DHCP, router interfaces, ... that exist today)
      + 2 x networks added            (a DHCP port and a router interface per new network)
      + 5 spare

    and is only ever raised, never lowered. The new instance quota is the requested one when
    given, else the current one: the original's HEAD multiplied by the *current* instance
    quota (a flaw: asking for 10 -> 50 instances sized ports for 10), and its per-network term
    (networks x instances) assumed every instance on every new network, which inflates quotas
    for no use. An unlimited (-1) port quota, instance quota or network quota leaves `port`
    alone: there is nothing finite to size against.
    """
    values = dict(requested)
    if "port" in requested or not ({"instances", "network"} & requested.keys()):
        return values, None
    try:
        current_port, current_instances, current_networks = (
            current["port"], current["instances"], current["network"],
        )  # fmt: skip
    except KeyError as exc:
        raise ValueError(f"current quotas lack {exc.args[0]!r}") from None
    instances = requested.get("instances", current_instances)
    networks = requested.get("network", current_networks)
    if -1 in (current_port, instances, networks):
        return values, None
    added_networks = max(0, networks - max(current_networks, 0))
    needed = instances + max(ports_in_use, 0) + 2 * added_networks + PORT_PADDING
    if needed <= current_port:
        return values, None
    values["port"] = needed
    parts = [f"{instances} instances", f"{ports_in_use} ports in use outside instances"]
    if added_networks:
        parts.append(f"2 x {added_networks} new networks")
    parts.append(f"{PORT_PADDING} spare")
    return values, f"port quota raised from {current_port} to {needed}: " + " + ".join(parts)
