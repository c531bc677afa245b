"""Cloud errors in plain words, and the one place keystoneauth exceptions are translated.

Callers (the provisioning engine, the backend) catch `CloudError` and show `str(error)` to the
operator as is, so every message says what was being done and what went wrong, without a
traceback and without any password or token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: naming these errors must not load keystoneauth
    from keystoneauth1 import exceptions as ksa_exc


class CloudError(Exception):
    """Anything the cloud said no to, or did not answer; `str()` is the operator's message."""


class CloudUnreachable(CloudError):
    """Keystone (or a quota API) did not answer: refused, timed out, TLS failed."""


class CloudAuthFailed(CloudError):
    """Keystone refused the `[auth]` credentials (or a token it issued)."""


class PermissionDenied(CloudError):
    """The admin account may not do this (HTTP 403)."""


class NotFound(CloudError):
    """No such project, user, role or service."""


class AlreadyExists(CloudError):
    """A name is taken (HTTP 409, or a find-or-create told not to reuse)."""


class AmbiguousName(CloudError):
    """Several objects match a name case-insensitively; an operator has to choose."""

    def __init__(self, message: str, names: Sequence[str]) -> None:
        super().__init__(message)
        self.names = tuple(names)


class ReservedName(CloudError):
    """The name belongs to the cloud itself (admin, service, ...) or to an admin user."""


class ServiceMissing(CloudError):
    """The catalog has no public endpoint for a service (compute, network, volumev3)."""


class RequestRejected(CloudError):
    """The cloud answered with an error not covered above (400, 5xx, ...)."""


class QuotaNotApplied(CloudError):
    """Setting quotas failed part-way; `applied` holds what did reach the cloud."""

    def __init__(self, message: str, applied: dict[str, int]) -> None:
        super().__init__(message)
        self.applied = dict(applied)


_URL = re.compile(r"https?://[^\s/:'\"]+(?::[0-9]+)?")
_ERRNO = re.compile(r"\[Errno -?[0-9]+\] ([^\"')]+)")


def _where(exc: Exception) -> str:
    """The scheme://host:port a connection error was about ("the cloud" if not stated)."""
    found = _URL.search(str(exc))
    return found.group(0) if found else "the cloud"


def _why(exc: Exception) -> str:
    """The OS's reason (connection refused, name not known) instead of urllib3's nesting."""
    found = _ERRNO.search(str(exc))
    return found.group(1).strip().lower() if found else " ".join(str(exc).split())[-200:]


def _server_words(exc: ksa_exc.HttpError) -> str:
    """The server's own message (Keystone, Nova, Neutron and Cinder all send one)."""
    details = getattr(exc, "details", None)
    text = details if isinstance(details, str) and details else str(exc.message or "")
    return " ".join(text.split())[:300]


def translate_exception(exc: Exception, doing: str) -> CloudError:
    """Map one keystoneauth/keystoneclient exception to a CloudError saying what was being done.

    `doing` is a phrase such as "looking up project 'x'" or "setting network quotas".
    """
    from keystoneauth1 import exceptions as ksa_exc

    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, ksa_exc.SSLError):
        return CloudUnreachable(f"{doing}: the TLS connection failed (check [auth] ca_file): {exc}")
    if isinstance(exc, ksa_exc.ConnectTimeout | ksa_exc.RequestTimeout):
        return CloudUnreachable(
            f"{doing}: {_where(exc)} did not answer in time (the [auth] timeout)"
        )
    if isinstance(exc, ksa_exc.ConnectionError):
        return CloudUnreachable(f"{doing}: cannot reach {_where(exc)} ({_why(exc)})")
    if isinstance(exc, ksa_exc.DiscoveryFailure):
        return CloudUnreachable(f"{doing}: Keystone did not answer as an identity v3 API ({exc})")
    if isinstance(exc, ksa_exc.EndpointNotFound):
        return ServiceMissing(f"{doing}: the catalog has no public endpoint for it ({exc})")
    if isinstance(exc, ksa_exc.Unauthorized):
        return CloudAuthFailed(
            f"{doing}: Keystone refused the credentials from [auth] (user, password, project "
            "or domains are wrong, or the account is disabled)"
        )
    if isinstance(exc, ksa_exc.Forbidden):
        return PermissionDenied(
            f"{doing}: permission denied; the [auth] account needs the admin role "
            f"({_server_words(exc)})"
        )
    if isinstance(exc, ksa_exc.NotFound):
        return NotFound(f"{doing}: not found ({_server_words(exc)})")
    if isinstance(exc, ksa_exc.Conflict):
        return AlreadyExists(f"{doing}: it exists already ({_server_words(exc)})")
    if isinstance(exc, ksa_exc.HttpError):
        return RequestRejected(
            f"{doing}: the cloud answered {exc.http_status}: {_server_words(exc)}"
        )
    if isinstance(exc, ksa_exc.ClientException):
        return CloudError(f"{doing}: {exc}")
    raise TypeError(f"not a cloud client exception: {exc!r}") from exc


@contextmanager
def cloud_errors(doing: str) -> Iterator[None]:
    """Run a block of client calls; any client exception leaves as a CloudError."""
    from keystoneauth1 import exceptions as ksa_exc

    try:
        yield
    except CloudError:
        raise
    except ksa_exc.ClientException as exc:
        raise translate_exception(exc, doing) from exc
