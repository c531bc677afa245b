"""The one keystoneauth session a process uses, and a counter of the HTTP calls it makes.

One session means one token: keystoneauth re-authenticates only when the token nears expiry,
and every client (keystoneclient, the quota calls) shares it. The counter lets a bench or a
test say how many Keystone calls an operation costs, without a proxy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from moc_tui.core.settings.model import AuthSettings

USER_AGENT = "moc-tui"


@dataclass(frozen=True)
class Call:
    """One HTTP exchange as the session saw it (URL without query string)."""

    method: str
    url: str
    status: int


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class RequestCounter:
    """Records every response a session receives; Keystone calls are those to the auth origin.

    Installed as a `requests` response hook, so it sees the token request, version discovery,
    keystoneclient calls and the quota APIs alike. Thread-safe.
    """

    def __init__(self, identity_url: str) -> None:
        self.identity_origin = _origin(identity_url)
        self._lock = threading.Lock()
        self._calls: list[Call] = []

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> None:
        """The `requests` response hook; never raises."""
        request = response.request
        url = str(request.url).split("?", 1)[0]
        with self._lock:
            self._calls.append(Call(str(request.method), url, int(response.status_code)))

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def mark(self) -> int:
        """A position to count from (see `keystone_since`, `calls_since`)."""
        with self._lock:
            return len(self._calls)

    def calls_since(self, mark: int = 0) -> list[Call]:
        with self._lock:
            return self._calls[mark:]

    def keystone_since(self, mark: int = 0) -> list[Call]:
        """Calls to Keystone (same scheme, host and port as the auth URL) after `mark`."""
        return [c for c in self.calls_since(mark) if _origin(c.url) == self.identity_origin]

    @property
    def keystone_calls(self) -> int:
        return len(self.keystone_since(0))


def install_counter(session: ks_session.Session, identity_url: str) -> RequestCounter:
    """Attach a new RequestCounter to an existing keystoneauth session and return it."""
    counter = RequestCounter(identity_url)
    session.session.hooks.setdefault("response", []).append(counter.hook)
    return counter


def make_session(
    auth: AuthSettings, *, counter: RequestCounter | None = None
) -> ks_session.Session:
    """Build the process's keystoneauth session from `[auth]`; no request is made yet.

    The domains in `[auth]` are domain IDs (`default`, as the original hard-coded). The token is
    scoped to the admin project, which the quota APIs and setpass expect. `timeout` bounds every
    request, so a dead Keystone fails fast instead of hanging the operator's screen.
    """
    plugin = v3.Password(
        auth_url=auth.auth_url,
        username=auth.admin_user,
        password=auth.admin_pwd,
        user_domain_id=auth.user_domain,
        project_name=auth.admin_project,
        project_domain_id=auth.project_domain,
    )
    verify: bool | str = str(auth.ca_file) if auth.ca_file else True
    session = ks_session.Session(
        auth=plugin, verify=verify, timeout=auth.timeout, app_name=USER_AGENT
    )
    if counter is not None:
        session.session.hooks.setdefault("response", []).append(counter.hook)
    return session
