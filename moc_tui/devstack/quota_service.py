"""A stand-in for the quota APIs of Nova, Neutron and Cinder, on 127.0.0.1.

Keystone has no quota API of its own, and real Nova/Neutron/Cinder are far too heavy for tests,
so this small threaded HTTP service answers the few routes the helpdesk tool uses, at the paths
and in the shapes of the real APIs, behind real Keystone tokens. Registered in the local
Keystone's catalog, it lets a keystoneauth client find it with `endpoint_filter` unchanged.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from keystoneauth1 import session as ks_session

from moc_tui.devstack.keystone import REGION, register_endpoints

# MOC's standard quotas first, then the other keys each real API returns, at upstream defaults.
COMPUTE_DEFAULTS: Mapping[str, int] = {
    "instances": 10, "cores": 20, "ram": 51200, "key_pairs": 100, "metadata_items": 128,
    "injected_files": 5, "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
    "server_groups": 10, "server_group_members": 10,
}  # fmt: skip
NETWORK_DEFAULTS: Mapping[str, int] = {
    "floatingip": 2, "network": 5, "subnet": 10, "router": 10, "port": 155,
    "security_group": -1, "security_group_rule": -1, "subnetpool": -1, "rbac_policy": 10,
}  # fmt: skip
VOLUME_DEFAULTS: Mapping[str, int] = {
    "volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10, "backup_gigabytes": 1000,
    "per_volume_gigabytes": -1, "groups": 10,
}  # fmt: skip
DEFAULTS: Mapping[str, Mapping[str, int]] = {
    "compute": COMPUTE_DEFAULTS, "network": NETWORK_DEFAULTS, "volume": VOLUME_DEFAULTS,
}  # fmt: skip

# (service type, service name, path under this server) for the Keystone catalog. Keystone
# substitutes $(project_id)s with the token's project, as on a real cloud's volumev3 entry.
CATALOG: tuple[tuple[str, str, str], ...] = (
    ("compute", "nova", "/compute/v2.1"),
    ("network", "neutron", "/network"),
    ("volumev3", "cinderv3", "/volume/v3/$(project_id)s"),
)

_INT_TEXT = re.compile(r"-?[0-9]+")
_MAX_QUOTA = 0x7FFFFFFF  # Nova's schema maximum; Neutron and Cinder use the same int range
_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("compute", re.compile(r"/compute/v2\.1/os-quota-sets/(?P<pid>[^/]+?)(?P<usage>/detail)?")),
    ("network", re.compile(r"/network/v2\.0/quotas/(?P<pid>[^/]+?)(?P<usage>/details)?")),
    ("ports", re.compile(r"/network/v2\.0/ports")),
    ("volume", re.compile(r"/volume/v3/[^/]+/os-quota-sets/(?P<pid>[^/]+)")),
)


def _route(path: str) -> tuple[str, re.Match[str] | None]:
    """Which API a path belongs to (its error format) and the route's match, if any."""
    for api, pattern in _ROUTES:
        match = pattern.fullmatch(path)
        if match:
            return api, match
    return ("network" if path.startswith("/network/") else "compute"), None


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the service saw it, for tests to assert on."""

    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Caller:
    """Who a validated token belongs to."""

    user_id: str
    project_id: str
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


class ApiError(Exception):
    """An HTTP error answer; rendered in the calling API's own error format."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error_body(api: str, status: int, message: str) -> dict[str, Any]:
    """Nova/Cinder fault, Neutron error, or keystonemiddleware's 401, as the real services do."""
    if status == 401:
        return {"error": {"code": 401, "title": "Unauthorized", "message": message}}
    if api in ("network", "ports"):
        kind = {400: "HTTPBadRequest", 403: "HTTPForbidden", 404: "HTTPNotFound"}
        neutron = {"type": kind.get(status, "HTTPError"), "message": message, "detail": ""}
        return {"NeutronError": neutron}
    kind = {400: "badRequest", 403: "forbidden", 404: "itemNotFound"}
    return {kind.get(status, "computeFault"): {"code": status, "message": message}}


def _quota_value(key: str, value: object) -> int:
    """An integer >= -1 (-1 is unlimited); like the real APIs, digit strings are accepted."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ApiError(400, f"Invalid input for field/attribute {key}. Value: {value!r}.")
    if isinstance(value, str):
        if not _INT_TEXT.fullmatch(value.strip()):
            raise ApiError(400, f"Invalid input for field/attribute {key}. Value: {value!r}.")
        value = int(value)
    if not -1 <= value <= _MAX_QUOTA:
        raise ApiError(400, f"Quota limit {value} for {key} must be in the range -1..{_MAX_QUOTA}")
    return value


class QuotaService:
    """In-memory per-project quotas (thread-safe) behind a ThreadingHTTPServer on port 0.

    Tokens are validated against the real Keystone with the service's own admin session;
    changing quotas needs the admin role, reading them the admin role or a token of that project.
    """

    def __init__(
        self, auth_url: str, service_session: ks_session.Session, *, cache_seconds: float = 10.0
    ) -> None:
        self.auth_url = auth_url.rstrip("/")
        self._keystone = service_session
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()  # guards the stores, the caches and the log
        self._keystone_lock = threading.Lock()  # one Keystone call at a time (its token refresh)
        self._quotas: dict[tuple[str, str], dict[str, int]] = {}
        self._ports: list[dict[str, Any]] = []
        self._tokens: dict[str, tuple[float, Caller]] = {}
        self._projects: dict[str, float] = {}
        self._log: list[LoggedRequest] = []
        self.errors: list[str] = []  # unexpected exceptions inside handlers (should stay empty)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        """Bind 127.0.0.1:0 and serve from a daemon thread; returns at once, ready to serve."""
        handler = type("QuotaHandler", (_Handler,), {"service": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="quota-service",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close the listening socket; open keep-alive threads are daemons."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL; the catalog entries hang below it (see CATALOG)."""
        if self._server is None:
            raise RuntimeError("quota service is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- test helpers --------------------------------------------------------------------

    def quotas(self, api: str, project_id: str) -> dict[str, int]:
        """A copy of one project's quotas for `compute`, `network` or `volume`."""
        with self._lock:
            return dict(self._quotas.get((api, project_id), DEFAULTS[api]))

    def add_port(self, project_id: str, **fields: Any) -> dict[str, Any]:
        """Seed a Neutron port owned by a project (the port-quota logic counts them)."""
        port: dict[str, Any] = {
            "id": str(uuid.uuid4()), "name": "", "network_id": str(uuid.uuid4()),
            "project_id": project_id, "tenant_id": project_id, "device_owner": "",
            "device_id": "", "status": "ACTIVE", "admin_state_up": True, "fixed_ips": [],
        }  # fmt: skip
        port.update(fields)
        with self._lock:
            self._ports.append(port)
        return dict(port)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far, oldest first."""
        with self._lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- Keystone ------------------------------------------------------------------------

    def authenticate(self, token: str | None) -> Caller:
        """Validate a caller's token with Keystone (cached briefly); 401 if it is not valid."""
        if not token:
            raise ApiError(401, "The request you have made requires authentication.")
        now = time.monotonic()
        with self._lock:
            hit = self._tokens.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self._keystone_lock:
            resp = self._keystone.get(
                f"{self.auth_url}/auth/tokens",
                headers={"X-Subject-Token": token},
                raise_exc=False,
            )
        if resp.status_code != 200:
            raise ApiError(401, "The request you have made requires authentication.")
        body = resp.json()["token"]
        caller = Caller(
            user_id=body["user"]["id"],
            project_id=body.get("project", {}).get("id", ""),
            roles=frozenset(role["name"] for role in body.get("roles", [])),
        )
        with self._lock:
            self._tokens[token] = (now + self._cache_seconds, caller)
        return caller

    def _require_project(self, api: str, project_id: str) -> None:
        """Unknown projects: Nova says 400 (nova/api/openstack/identity.py), Cinder 404."""
        now = time.monotonic()
        with self._lock:
            if self._projects.get(project_id, 0.0) > now:
                return
        with self._keystone_lock:
            resp = self._keystone.get(f"{self.auth_url}/projects/{project_id}", raise_exc=False)
        if resp.status_code == 404:
            if api == "compute":
                raise ApiError(400, f"Project ID {project_id} is not a valid project.")
            raise ApiError(404, f"Tenant ID: {project_id} does not exist.")
        if resp.status_code != 200:
            raise ApiError(503, f"Keystone answered {resp.status_code} for project {project_id}")
        with self._lock:
            self._projects[project_id] = now + self._cache_seconds

    # -- the APIs ------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        token: str | None,
        body: object,
    ) -> tuple[int, dict[str, Any]]:
        """Route one request; returns (status, JSON body) or raises ApiError."""
        caller = self.authenticate(token)  # first, as keystonemiddleware does
        api, match = _route(path)
        if match is None:
            raise ApiError(404, f"No route for {path}")
        if api == "ports":
            if method != "GET":
                raise ApiError(405, f"{method} is not supported here")
            return 200, {"ports": self._list_ports(caller, query)}
        project_id = match["pid"]
        if method == "GET":
            if not (caller.is_admin or caller.project_id == project_id):
                raise ApiError(403, "Policy doesn't allow this operation to be performed.")
            self._require_project(api, project_id)
            usage = bool(match.groupdict().get("usage")) or (
                api == "volume" and query.get("usage", ["false"])[0].lower() == "true"
            )
            return 200, self._show(api, project_id, usage=usage)
        if method == "PUT" and not match.groupdict().get("usage"):
            if not caller.is_admin:
                raise ApiError(403, "Policy doesn't allow this operation to be performed.")
            values = self._parse_update(api, body)
            self._require_project(api, project_id)
            with self._lock:
                stored = self._quotas.setdefault((api, project_id), dict(DEFAULTS[api]))
                stored.update(values)
                result = dict(stored)
            return 200, {("quota" if api == "network" else "quota_set"): result}
        raise ApiError(405, f"{method} is not supported here")

    def _show(self, api: str, project_id: str, *, usage: bool) -> dict[str, Any]:
        """GET: the limits, or with usage the per-key {limit, in_use/used, reserved} form."""
        limits: dict[str, Any] = dict(self.quotas(api, project_id))
        if usage:
            used = "used" if api == "network" else "in_use"
            with self._lock:
                ports = sum(1 for p in self._ports if p["project_id"] == project_id)
            for key, limit in limits.items():
                count = ports if (api, key) == ("network", "port") else 0
                limits[key] = {"limit": limit, used: count, "reserved": 0}
                if api == "volume":
                    limits[key]["allocated"] = 0
        if api == "network":
            return {"quota": limits}
        return {"quota_set": {"id": project_id, **limits}}

    def _parse_update(self, api: str, body: object) -> dict[str, int]:
        """The PUT body: the API's wrapper key, known quota keys only, valid values only."""
        wrapper = "quota" if api == "network" else "quota_set"
        inner = body.get(wrapper) if isinstance(body, dict) else None
        if not isinstance(inner, dict):
            raise ApiError(400, f"Missing or invalid '{wrapper}' object in request body")
        inner = dict(inner)
        if api == "compute" and isinstance(inner.get("force"), bool | str):
            inner.pop("force")  # Nova's flag to skip the usage check; there is no usage here
        unknown = sorted(set(inner) - set(DEFAULTS[api]))
        if unknown:
            raise ApiError(400, f"Bad key(s) in quota set: {', '.join(unknown)}")
        return {key: _quota_value(key, value) for key, value in inner.items()}

    def _list_ports(self, caller: Caller, query: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """Neutron's list filters: any port field by equality; non-admins see their project."""
        with self._lock:
            ports = [dict(p) for p in self._ports]
        if not caller.is_admin:
            ports = [p for p in ports if p["project_id"] == caller.project_id]
        for key, wanted in query.items():
            if key in ("fields", "limit", "marker", "sort_key", "sort_dir"):
                continue
            ports = [p for p in ports if str(p.get(key)) in wanted]
        return ports

    def record_request(self, method: str, path: str, status: int) -> None:
        """Append to the request log (called by the HTTP handler)."""
        with self._lock:
            self._log.append(LoggedRequest(method, path, status))

    def record_error(self, text: str) -> None:
        """Remember an unexpected exception from a handler thread (tests assert none)."""
        with self._lock:
            self.errors.append(text)


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP layer: parse, call QuotaService.handle, answer JSON."""

    service: QuotaService
    protocol_version = "HTTP/1.1"  # keep-alive, as keystoneauth's requests session expects
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stalls on small replies
    timeout = 60  # an idle keep-alive connection frees its thread eventually

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        api, _ = _route(split.path)
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError as exc:
                raise ApiError(400, f"Malformed JSON body: {exc}") from None
            status, payload = self.service.handle(
                self.command,
                split.path,
                parse_qs(split.query),
                self.headers.get("X-Auth-Token"),
                body,
            )
        except ApiError as exc:
            status, payload = exc.status, _error_body(api, exc.status, exc.message)
        except Exception as exc:  # a bug here must show as a 500 and in .errors, not hang
            self.service.record_error(f"{self.command} {self.path}: {exc!r}")
            status, payload = 500, _error_body(api, 500, "internal error")
        self._answer(status, payload)

    do_GET = do_PUT = do_POST = do_DELETE = _dispatch

    def _answer(self, status: int, payload: Mapping[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", f'Keystone uri="{self.service.auth_url}"')
        self.end_headers()
        # logged before the body goes out, so a client that has its answer sees the entry
        self.service.record_request(self.command, urlsplit(self.path).path, status)
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is `QuotaService.requests`."""


def register_catalog(keystone: Any, base_url: str, region: str = REGION) -> dict[str, str]:
    """Put this service's compute/network/volumev3 public endpoints in Keystone's catalog.

    `keystone` is an admin keystoneclient v3 Client. Idempotent; see `register_endpoints`.
    """
    base = base_url.rstrip("/")
    entries = [(service_type, name, base + path) for service_type, name, path in CATALOG]
    return register_endpoints(keystone, entries, region)
