"""Typed failures of the setpass client; messages never contain a password, PIN or token."""

from __future__ import annotations


class SetpassError(Exception):
    """Base class: anything that kept a registration from succeeding."""


class SetpassUnauthorized(SetpassError):
    """No usable admin token: Keystone refused the credentials, or none reached setpass (401)."""


class SetpassForbidden(SetpassError):
    """The token is valid but lacks the admin role on the admin project (403)."""


class SetpassBadRequest(SetpassError):
    """The service refused the body: a bad PIN, a missing field on first registration (400)."""


class SetpassNotFound(SetpassError):
    """The base URL does not point at a setpass service (404)."""


class SetpassUnavailable(SetpassError):
    """Not reachable, timed out, or 429/5xx after the allowed retries: try again later."""


class SetpassReferenceRefused(SetpassError):
    """setpass refused a reset reference: malformed, unknown, expired, used, another user's."""
