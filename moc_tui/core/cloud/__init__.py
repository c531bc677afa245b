"""Cloud operations (Keystone + the compute/network/volume quota APIs), one module per resource.

The provisioning engine depends on `CloudBackend`; `KeystoneCloud.from_settings(auth)` is the
real one. Every failure is a `CloudError` whose text is meant for the operator.
"""

from moc_tui.core.cloud.backend import CloudBackend, KeystoneCloud
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

__all__ = [
    "AlreadyExists",
    "AmbiguousName",
    "CloudAuthFailed",
    "CloudBackend",
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
