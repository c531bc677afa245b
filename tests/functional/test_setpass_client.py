"""SetpassClient: typed errors, timeouts, which failures are retried, nothing secret logged."""

from __future__ import annotations

import logging
import re
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from setpass_client import (
    SetpassBadRequest,
    SetpassClient,
    SetpassError,
    SetpassForbidden,
    SetpassNotFound,
    SetpassUnauthorized,
    SetpassUnavailable,
)
from tests.fixtures.databases import DATABASES
from tests.fixtures.keystone import KeystoneAdmin
from tests.fixtures.setpass import PIN, SetpassServer, new_user

pytestmark = pytest.mark.keystone
SETPASS_DATABASES = DATABASES  # each test on SQLite, MariaDB and PostgreSQL


class Scripted:
    """A stand-in HTTP server answering PUTs from a list of (status, body); counts requests."""

    def __init__(self, answers: list[tuple[int, str]]) -> None:
        self.answers = answers
        self.seen: list[dict[str, Any]] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.seen.append({"path": request.path, "json": request.get_json(silent=True)})
        status, body = self.answers[min(len(self.seen), len(self.answers)) - 1]
        return Response(body, status=status, mimetype="text/plain")(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@pytest.fixture
def scripted() -> Iterator[Callable[[list[tuple[int, str]]], Scripted]]:
    servers: list[Scripted] = []

    def start(answers: list[tuple[int, str]]) -> Scripted:
        servers.append(Scripted(answers))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_register_and_link(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    user, temporary = new_user(keystone_admin, unique_name)
    client = SetpassClient(keystone_admin.session, setpass_server.url, timeout=5)
    token = client.register(user.id, temporary, PIN)
    assert client.link(token) == f"{setpass_server.url}?token={token}"
    assert client.register(user.id, None, None) != token


def test_typed_errors_from_the_real_service(
    setpass_server: SetpassServer, keystone_admin: KeystoneAdmin, unique_name: Callable[[str], str]
) -> None:
    client = SetpassClient(keystone_admin.session, setpass_server.url)
    with pytest.raises(SetpassBadRequest, match="Pin should be 4-digit number"):
        client.register(secrets.token_hex(16), "pw", "12")
    with pytest.raises(SetpassBadRequest, match="Missing required field"):
        client.register(secrets.token_hex(16), "pw", None)

    member, password = new_user(keystone_admin, unique_name)
    project = keystone_admin.cleanup(
        keystone_admin.client.projects.create(name=unique_name("p"), domain="default")
    )
    ks = keystone_admin.client
    ks.roles.grant(ks.roles.find(name="member"), user=member, project=project)
    member_sess = keystone_admin.keystone.user_session(member.name, password, project.id)
    with pytest.raises(SetpassForbidden, match="admin role on the admin project"):
        SetpassClient(member_sess, setpass_server.url).register(member.id, "pw", PIN)

    creds = keystone_admin.keystone.admin_credentials()
    wrong = v3.Password(
        auth_url=creds["auth_url"],
        username=creds["username"],
        password="wrong-password",
        user_domain_id="default",
        project_name="admin",
        project_domain_id="default",
    )
    bad_sess = ks_session.Session(auth=wrong)
    with pytest.raises(SetpassUnauthorized, match="Keystone refused the admin credentials"):
        SetpassClient(bad_sess, setpass_server.url).register(member.id, "pw", PIN)


def test_unreachable_service_retried_then_unavailable(keystone_admin: KeystoneAdmin) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    sleeps: list[float] = []
    client = SetpassClient(keystone_admin.session, url, timeout=2, retries=2, sleep=sleeps.append)
    with pytest.raises(SetpassUnavailable, match="connection refused"):
        client.register("u", "pw", PIN)
    assert sleeps == [0.5, 1.0]


def test_503_is_retried_and_the_last_token_returned(
    keystone_admin: KeystoneAdmin, scripted: Callable[[list[tuple[int, str]]], Scripted]
) -> None:
    server = scripted([(503, "busy"), (200, "the-token")])
    client = SetpassClient(keystone_admin.session, server.url, sleep=lambda _s: None)
    assert client.register("u1", "pw", PIN) == "the-token"
    assert len(server.seen) == 2
    assert server.seen[0]["json"] == {"password": "pw", "pin": PIN}


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, SetpassBadRequest), (401, SetpassUnauthorized), (403, SetpassForbidden),
     (404, SetpassNotFound), (429, SetpassUnavailable), (500, SetpassError)],
)  # fmt: skip
def test_client_errors_are_not_retried(
    keystone_admin: KeystoneAdmin,
    scripted: Callable[[list[tuple[int, str]]], Scripted],
    status: int,
    error: type[SetpassError],
) -> None:
    server = scripted([(status, "no")])
    client = SetpassClient(keystone_admin.session, server.url, sleep=lambda _s: None)
    with pytest.raises(error):
        client.register("u1", "pw", PIN)
    assert len(server.seen) == (2 if status == 401 else 1)  # keystoneauth re-auths once on 401


def test_slow_service_times_out(keystone_admin: KeystoneAdmin) -> None:
    """A server that accepts but never answers: the timeout turns into SetpassUnavailable."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        client = SetpassClient(keystone_admin.session, url, timeout=0.5, retries=0)
        with pytest.raises(SetpassUnavailable):
            client.register("u1", "pw", PIN)


def test_client_logs_no_secret(
    keystone_admin: KeystoneAdmin,
    scripted: Callable[[list[tuple[int, str]]], Scripted],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = secrets.token_urlsafe(32)
    server = scripted([(503, "busy"), (200, token)])
    client = SetpassClient(keystone_admin.session, server.url, sleep=lambda _s: None)
    password = "Client-" + secrets.token_urlsafe(12)
    assert client.register("u1", password, "8642") == token
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and password not in logged
    assert re.search(r"(?<![0-9a-fA-F])8642(?![0-9a-fA-F])", logged) is None


def test_base_url_must_be_http(keystone_admin: KeystoneAdmin) -> None:
    with pytest.raises(ValueError, match="http"):
        SetpassClient(keystone_admin.session, "ftp://x")
