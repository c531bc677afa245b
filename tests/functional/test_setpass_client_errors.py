"""What the setpass client says when setpass fails (issue 17): the HTTP status, a timeout with
its seconds, a refused connection, and how many attempts it made; never "not reachable
(ConnectTimeout)" for a service that took the request and answered HTTP 500 too slowly.

Real HTTP servers on 127.0.0.1; the client's session has no auth plugin (no Keystone needed:
these are transport failures, before any token matters).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from keystoneauth1 import session as ks_session
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from setpass_client import SetpassClient, SetpassError, SetpassUnavailable

PIN = "1234"


class SlowServer:
    """Answers every request with `status` once `release` is set (the test sets it at the end,
    so within the client's timeout it never answers); counts the requests it took."""

    def __init__(self, status: int, hold: bool) -> None:
        self.status = status
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.taken = 0
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        Request(environ).get_data()
        self.taken += 1
        self.release.wait(30)
        answer = Response("database is locked", status=self.status, mimetype="text/plain")
        return answer(environ, start_response)

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


@pytest.fixture
def slow_500() -> Iterator[SlowServer]:
    server = SlowServer(500, hold=True)
    yield server
    server.stop()


def client(url: str, retries: int = 1) -> SetpassClient:
    return SetpassClient(
        ks_session.Session(), url, timeout=0.5, retries=retries, sleep=lambda _s: None
    )


def test_a_slow_500_says_no_answer_within_the_timeout(slow_500: SlowServer) -> None:
    with pytest.raises(SetpassUnavailable) as raised:
        client(slow_500.url).register("u1", "pw", PIN)
    text = str(raised.value)
    assert "no answer within 0.5 s" in text, text
    assert "connected" in text and "2 attempts" in text, text
    assert "not reachable" not in text and "ConnectTimeout" not in text, text
    assert slow_500.taken == 2  # it took the request both times: it was reachable


def test_a_500_answered_in_time_says_the_http_status() -> None:
    server = SlowServer(500, hold=False)
    try:
        with pytest.raises(SetpassError) as raised:
            client(server.url).register("u1", "pw", PIN)
    finally:
        server.stop()
    assert str(raised.value) == "setpass answered HTTP 500: database is locked (1 attempt)"


def test_a_503_after_the_retries_counts_them() -> None:
    server = SlowServer(503, hold=False)
    try:
        with pytest.raises(SetpassUnavailable) as raised:
            client(server.url, retries=2).renew("u1")
    finally:
        server.stop()
    assert str(raised.value) == "setpass answered HTTP 503: database is locked (3 attempts)"
    assert server.taken == 3


def test_a_closed_port_says_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    with pytest.raises(SetpassUnavailable) as raised:
        client(url).register("u1", "pw", PIN)
    text = str(raised.value)
    assert text.startswith(f"setpass at {url.rstrip('/')}: connection refused"), text
    assert text.endswith("(2 attempts)"), text
