"""`SetpassClient`: register or renew a user with setpass and build the user's link.

Works against this project's setpass service and the original one (same API: PUT /token/<id>
with the admin's X-Auth-Token, JSON {password, pin}, the token as the body).

Never logged: the password, the PIN and the returned token. keystoneauth logs request and
response bodies at DEBUG, so every request here is made with `log=False`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from keystoneauth1 import exceptions as ksa_exc
from requests import exceptions as req_exc

from setpass_client.errors import (
    SetpassBadRequest,
    SetpassError,
    SetpassForbidden,
    SetpassNotFound,
    SetpassReferenceRefused,
    SetpassUnauthorized,
    SetpassUnavailable,
)
from setpass_client.reference import ACCEPTED_HEADER

if TYPE_CHECKING:
    import requests
    from keystoneauth1.session import Session

log = logging.getLogger(__name__)

RETRIABLE_STATUS = frozenset({502, 503, 504})
STATES = frozenset({"pending", "expired", "locked"})
NO_REGISTRATION = "No registration"
_MAX_MESSAGE = 300


def _server_message(response: requests.Response) -> str:
    """The service's short plain-text reason, never the whole body (it may be a token)."""
    text = (response.text or "").strip()
    if response.status_code == 200 or "<" in text:
        return ""
    return text[:_MAX_MESSAGE]


@dataclass(frozen=True)
class _Answer:
    """setpass's answer and how many attempts it took (said in a failure's message)."""

    response: requests.Response
    attempts: int


class SetpassClient:
    """Talks to one setpass service through an admin keystoneauth session.

    `timeout` bounds each HTTP request (connect and read). `retries` extra attempts are made,
    with exponential backoff from `backoff` seconds, after a connection failure or timeout and
    after a 502/503/504 answer.

    Why retrying the PUT is safe: its effect is idempotent. Whether the lost attempt reached the
    service or not, the retry leaves exactly one registration for the user with this password and
    PIN, attempts at zero and a fresh expiry; each PUT replaces the stored token, so the token
    returned by the last successful attempt is the only valid one and it is the one we return.
    A token issued by an attempt whose answer was lost is simply never seen and no longer valid.
    Other failures (4xx) are answers about the request itself and are never retried.
    """

    def __init__(
        self,
        session: Session,
        base_url: str,
        timeout: float = 10.0,
        *,
        retries: int = 2,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"setpass base_url must be an http(s) URL, not {base_url!r}")
        self.session = session
        self.base_url = base_url
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._sleep = sleep

    @property
    def _root(self) -> str:
        return self.base_url.split("?", 1)[0].rstrip("/")

    def link(self, token: str) -> str:
        """The URL the user opens: `<base>?token=<token>` (as the original tools built it)."""
        return f"{self.base_url}?{urlencode({'token': token})}"

    def register(self, user_id: str, password: str | None, pin: str | None) -> str:
        """Create or renew the user's registration; returns the new link token.

        On renewal `password` or `pin` may be None to keep the stored one (the service then
        only issues a new token, resets the attempts and the expiry).
        """
        if not user_id:
            raise ValueError("user_id is empty")
        body: dict[str, Any] = {}
        if password is not None:
            body["password"] = password
        if pin is not None:
            body["pin"] = pin
        url = f"{self._root}/token/{quote(user_id, safe='')}"
        return self._token(self._put(url, body))

    @staticmethod
    def _token(response: requests.Response) -> str:
        token = response.text.strip()
        if not token or len(token) > 256 or any(c.isspace() for c in token):
            raise SetpassError("setpass answered 200 without a usable token")
        return token

    def redeem(self, user_id: str, password: str | None, reference: str) -> str:
        """Like `register`, but the PIN is the one the user chose on setpass's reset form,
        named by the ticket's reference (`{"password": ..., "pin_reference": R}`); the new link
        token. `password` None keeps the stored one.

        Raises SetpassReferenceRefused with setpass's words when the reference is malformed,
        unknown, expired, used or another user's. Redeeming the same reference again for the
        same user while its link is waiting is a retry and succeeds (so retries here are safe).
        Needs this project's setpass service: an older one would ignore the reference and keep
        the old PIN, so an answer without the service's acknowledgement is an error.
        """
        if not user_id:
            raise ValueError("user_id is empty")
        body: dict[str, Any] = {"pin_reference": reference}
        if password is not None:
            body["password"] = password
        url = f"{self._root}/token/{quote(user_id, safe='')}"
        answer = self._send("PUT", url, body)
        response = answer.response
        reason = _server_message(response)
        if response.status_code in (400, 409) and "reference" in reason.lower():
            raise SetpassReferenceRefused(reason)
        self._check(answer)
        if response.headers.get(ACCEPTED_HEADER) != "accepted":
            raise SetpassError(
                "this setpass service does not know reset references (an older version?); the"
                " link would keep the old PIN"
            )
        return self._token(response)

    def renew(self, user_id: str) -> str:
        """A new link token for a registered user, keeping the stored password and PIN."""
        return self.register(user_id, None, None)

    def status(self, user_id: str) -> str | None:
        """The user's registration: "pending", "expired" or "locked"; None when there is none
        (the password was set, or it was never registered or was purged).

        Needs this project's setpass service (the original has no such route).
        """
        if not user_id:
            raise ValueError("user_id is empty")
        url = f"{self._root}/token/{quote(user_id, safe='')}"
        answer = self._send("GET", url, None)
        response = answer.response
        if response.status_code == 404 and response.text.strip() == NO_REGISTRATION:
            return None
        if response.status_code == 405:
            raise SetpassError("this setpass service has no status route (an older version?)")
        self._check(answer)
        try:
            state = response.json()["state"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SetpassError("setpass answered the status request without a state") from exc
        if state not in STATES:
            raise SetpassError(f"setpass answered an unknown state {str(state)[:40]!r}")
        return str(state)

    def _put(self, url: str, body: dict[str, Any]) -> requests.Response:
        return self._check(self._send("PUT", url, body))

    def _send(self, method: str, url: str, body: dict[str, Any] | None) -> _Answer:
        """One request with the retries described on the class (GET and PUT are idempotent)."""
        attempt = 0
        while True:
            try:
                response = self.session.request(
                    url,
                    method,
                    json=body,
                    raise_exc=False,
                    log=False,
                    timeout=self.timeout,
                    connect_retries=0,
                    headers={"Accept": "text/plain" if body is not None else "application/json"},
                )
            except ksa_exc.Unauthorized as exc:
                raise SetpassUnauthorized(
                    "Keystone refused the admin credentials, so no token was sent to setpass"
                ) from exc
            except (ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout) as exc:
                if attempt >= self.retries:
                    raise SetpassUnavailable(
                        f"setpass at {self._root}: {self._what_happened(exc)}"
                        f" ({_attempts(attempt + 1)})"
                    ) from exc
            except ksa_exc.ClientException as exc:
                raise SetpassError(f"setpass request failed: {type(exc).__name__}") from exc
            else:
                if response.status_code not in RETRIABLE_STATUS or attempt >= self.retries:
                    return _Answer(response, attempt + 1)
            log.info(
                "setpass %s failed, retrying (attempt %d of %d)", method, attempt + 1, self.retries
            )
            self._sleep(self.backoff * (2**attempt))
            attempt += 1

    def _what_happened(self, exc: Exception) -> str:
        """The transport failure in words: refused, no answer in time, or the socket's error.

        keystoneauth turns every `requests` timeout into `ConnectTimeout`, a slow answer too;
        the `requests` error it was raised from says which (`ReadTimeout`: the service took
        the request and did not answer in time, e.g. a slow HTTP 500).
        """
        cause = exc.__cause__ or exc.__context__
        seconds = f"{self.timeout:g} s"
        if isinstance(cause, req_exc.ReadTimeout):
            return f"connected, but no answer within {seconds}"
        if isinstance(cause, req_exc.ConnectTimeout) or isinstance(exc, ksa_exc.ConnectTimeout):
            return f"no connection within {seconds}"
        text = str(cause or exc)
        if "refused" in text.lower():
            return "connection refused (is setpass running on that address?)"
        return f"cannot connect ({type(cause or exc).__name__})"

    def _check(self, answer: _Answer) -> requests.Response:
        response = answer.response
        status = response.status_code
        reason = _server_message(response)
        suffix = f": {reason}" if reason else ""
        if status == 200:
            return response
        if status == 401:
            raise SetpassUnauthorized(f"setpass got no admin token (401){suffix}")
        if status == 403:
            raise SetpassForbidden(
                "setpass refused the token: the account needs the admin role on the admin"
                f" project (403){suffix}"
            )
        if status == 400:
            raise SetpassBadRequest(f"setpass rejected the registration (400){suffix}")
        if status == 404:
            raise SetpassNotFound(f"no setpass service at {self._root} (404)")
        tries = f" ({_attempts(answer.attempts)})"
        if status in RETRIABLE_STATUS or status == 429:
            raise SetpassUnavailable(f"setpass answered HTTP {status}{suffix}{tries}")
        raise SetpassError(f"setpass answered HTTP {status}{suffix}{tries}")


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"
