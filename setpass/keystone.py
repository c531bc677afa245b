"""The two things setpass asks of Keystone: is this caller an admin, and change a password.

Plain HTTP (requests) rather than keystoneclient: two endpoints, explicit timeouts, no debug
logging of request bodies (keystoneauth logs bodies at DEBUG, and ours carry passwords).
"""

from __future__ import annotations

import enum
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from setpass.config import Settings


class AdminCheck(enum.Enum):
    ADMIN = "admin"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"


class ChangeOutcome(enum.Enum):
    CHANGED = "changed"
    REFUSED = "refused"  # password policy: the user can try another password
    STALE = "stale"  # the temporary password no longer works (changed elsewhere)
    NO_USER = "no_user"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ChangeResult:
    outcome: ChangeOutcome
    detail: str = ""


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
        message = body["error"]["message"]
        return message if isinstance(message, str) else ""
    except (ValueError, KeyError, TypeError):
        return ""


def plain_policy_message(raw: str, secrets: tuple[str, ...]) -> str:
    """Keystone's refusal in plain words, with any echoed password cut out."""
    text = raw.strip()
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    lowered = text.lower()
    if "identical to a" in lowered and "previous password" in lowered:
        return "The new password must be different from your earlier passwords."
    if "minimum password age" in lowered:
        return "The password was changed too recently and cannot be changed again yet."
    if "disallowing password changes" in lowered:
        return "This account may not change its own password. Please contact the helpdesk."
    for prefix in ("the password does not match the requirements:", "password validation error:"):
        if lowered.startswith(prefix):
            detail = text[len(prefix) :].strip().rstrip(".")
            if detail:
                return f"The password does not meet the cloud's password rules: {detail[:300]}."
    return "The cloud refused this password (it may be too long or contain unusual characters)."


class AdminTokenCache:
    """Hashes of tokens found to be admin, until their expiry; per worker process, bounded.

    Each worker keeps its own (a miss only costs one Keystone validation); at most `size`
    entries, the expired ones dropped first, then the oldest. The caller holds the lock.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._expiry: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._expiry)

    def holds(self, key: str, now: float) -> bool:
        expiry = self._expiry.get(key)
        return expiry is not None and expiry > now

    def add(self, key: str, now: float, expiry: float) -> None:
        self._expiry.pop(key, None)  # re-inserted at the end: the newest
        if len(self._expiry) >= self.size:
            self._expiry = {k: v for k, v in self._expiry.items() if v > now}
        while len(self._expiry) >= self.size:
            del self._expiry[next(iter(self._expiry))]
        self._expiry[key] = expiry


class Keystone:
    """Talks to one Keystone; counts its calls (the benchmark reports them per request)."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.url = settings.auth_url.rstrip("/")
        self._http = requests.Session()
        self._http.verify = settings.keystone_ca_file or True
        self._clock = clock
        self._lock = threading.Lock()
        self._admin_cache = AdminTokenCache()
        self.calls = 0

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        with self._lock:
            self.calls += 1
        return self._http.request(
            method, self.url + path, timeout=self.settings.keystone_timeout, **kwargs
        )

    def _has_admin_role(self, token_body: dict[str, Any]) -> bool:
        project = token_body.get("project") or {}
        domain = project.get("domain") or {}
        if project.get("name") != self.settings.admin_project_name:
            return False
        if domain.get("id") != self.settings.admin_project_domain_id:
            return False
        wanted = self.settings.admin_role.casefold()
        return any(str(r.get("name", "")).casefold() == wanted for r in token_body.get("roles", []))

    def check_admin(self, token: str) -> AdminCheck:
        """Admin = holds the admin role on the admin project (not any role, as the original).

        The token is validated (GET /v3/auth/tokens). If it is scoped elsewhere or unscoped (the
        original README's keystoneauth example is unscoped), it is rescoped to the admin project
        with the token method, and the role is read from that.
        """
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
        now = self._clock()
        with self._lock:
            if self._admin_cache.holds(key, now):
                return AdminCheck.ADMIN
        headers = {"X-Auth-Token": token, "X-Subject-Token": token}
        try:
            response = self._request("GET", "/auth/tokens?nocatalog", headers=headers)
            if response.status_code in (401, 403, 404):
                return AdminCheck.FORBIDDEN
            if response.status_code != 200:
                return AdminCheck.UNAVAILABLE
            body = response.json().get("token", {})
            if not self._has_admin_role(body):
                scope = {
                    "project": {
                        "name": self.settings.admin_project_name,
                        "domain": {"id": self.settings.admin_project_domain_id},
                    }
                }
                auth = {"identity": {"methods": ["token"], "token": {"id": token}}, "scope": scope}
                response = self._request(
                    "POST", "/auth/tokens?nocatalog", json={"auth": auth}, headers=headers
                )
                if response.status_code in (400, 401, 403, 404):
                    return AdminCheck.FORBIDDEN
                if response.status_code != 201:
                    return AdminCheck.UNAVAILABLE
                body = response.json().get("token", {})
                if not self._has_admin_role(body):
                    return AdminCheck.FORBIDDEN
        except (requests.RequestException, ValueError):
            return AdminCheck.UNAVAILABLE
        with self._lock:
            if self.settings.admin_cache_seconds <= 0:
                return AdminCheck.ADMIN
            self._admin_cache.add(key, now, now + self.settings.admin_cache_seconds)
        return AdminCheck.ADMIN

    def change_password(self, user_id: str, original: str, new: str) -> ChangeResult:
        """Keystone's self-service change; needs no token, only the original password."""
        body = {"user": {"password": new, "original_password": original}}
        try:
            response = self._request(
                "POST", f"/users/{quote(user_id, safe='')}/password", json=body
            )
        except requests.RequestException:
            return ChangeResult(ChangeOutcome.UNAVAILABLE)
        status = response.status_code
        if status in (200, 201, 204):
            return ChangeResult(ChangeOutcome.CHANGED)
        if status == 400:
            detail = plain_policy_message(_error_message(response), (new, original))
            return ChangeResult(ChangeOutcome.REFUSED, detail)
        if status == 401:
            return ChangeResult(ChangeOutcome.STALE)
        if status == 404:
            return ChangeResult(ChangeOutcome.NO_USER)
        if status == 403:
            # e.g. a user who may not change their own password (lock_password)
            return ChangeResult(
                ChangeOutcome.REFUSED, "The cloud does not allow this account to set its password."
            )
        return ChangeResult(ChangeOutcome.UNAVAILABLE)

    def user_names(self, admin_token: str, user_id: str) -> tuple[AdminCheck, list[str]]:
        """The user's name and email, lower case ([] if there is no such user), asked with the
        caller's token: FORBIDDEN if that token may not read users, UNAVAILABLE if unreachable.

        Used when a reset reference is redeemed: it was filed under an email, and Keystone says
        whose it is.
        """
        headers = {"X-Auth-Token": admin_token}
        try:
            response = self._request("GET", f"/users/{quote(user_id, safe='')}", headers=headers)
            if response.status_code == 404:
                return AdminCheck.ADMIN, []
            if response.status_code in (401, 403):
                return AdminCheck.FORBIDDEN, []
            if response.status_code != 200:
                return AdminCheck.UNAVAILABLE, []
            user = response.json().get("user", {})
            found = (user.get("name"), user.get("email"))
        except (requests.RequestException, ValueError, AttributeError):
            return AdminCheck.UNAVAILABLE, []
        return AdminCheck.ADMIN, [v.lower() for v in found if isinstance(v, str) and v]
