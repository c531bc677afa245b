"""Cloud operations (Keystone + the compute/network/volume quota APIs), one module per resource.

The workflows depend on `moc_tui.core.ports.Cloud`; `KeystoneCloud.from_settings(auth)` is the
real one. Every failure is a `CloudError` whose text is meant for the operator.

The names below load on first use (PEP 562): importing `moc_tui.core.cloud.models` (the plain
records) must not import keystoneauth and keystoneclient, which cost the backend's start-up
most of a second before its first reply from the local store.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moc_tui.core.cloud.backend import KeystoneCloud
    from moc_tui.core.cloud.errors import (
        AlreadyExists,
        AmbiguousName,
        CloudAuthFailed,
        CloudError,
        CloudUnreachable,
        NotFound,
        PermissionDenied,
        QuotaNotApplied,
        RequestRejected,
        ReservedName,
        ServiceMissing,
    )
    from moc_tui.core.cloud.models import Ensured, Member, Project, User
    from moc_tui.core.cloud.quotas import adjust_port_quota
    from moc_tui.core.cloud.session import RequestCounter, install_counter, make_session

_WHERE = {
    "moc_tui.core.cloud.backend": ("KeystoneCloud",),
    "moc_tui.core.cloud.errors": (
        "AlreadyExists",
        "AmbiguousName",
        "CloudAuthFailed",
        "CloudError",
        "CloudUnreachable",
        "NotFound",
        "PermissionDenied",
        "QuotaNotApplied",
        "RequestRejected",
        "ReservedName",
        "ServiceMissing",
    ),
    "moc_tui.core.cloud.models": ("Ensured", "Member", "Project", "User"),
    "moc_tui.core.cloud.quotas": ("adjust_port_quota",),
    "moc_tui.core.cloud.session": ("RequestCounter", "install_counter", "make_session"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = [
    "AlreadyExists",
    "AmbiguousName",
    "CloudAuthFailed",
    "CloudError",
    "CloudUnreachable",
    "Ensured",
    "KeystoneCloud",
    "Member",
    "NotFound",
    "PermissionDenied",
    "Project",
    "QuotaNotApplied",
    "RequestCounter",
    "RequestRejected",
    "ReservedName",
    "ServiceMissing",
    "User",
    "adjust_port_quota",
    "install_counter",
    "make_session",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])
