"""Client of the setpass service: register a user's first password and PIN, get the link token."""

from setpass_client.client import SetpassClient
from setpass_client.errors import (
    SetpassBadRequest,
    SetpassError,
    SetpassForbidden,
    SetpassNotFound,
    SetpassReferenceRefused,
    SetpassUnauthorized,
    SetpassUnavailable,
)

__all__ = [
    "SetpassBadRequest",
    "SetpassClient",
    "SetpassError",
    "SetpassForbidden",
    "SetpassNotFound",
    "SetpassReferenceRefused",
    "SetpassUnauthorized",
    "SetpassUnavailable",
]
