"""The outside world the workflows run against: one interface for each part.

Provisioning, quota changes, password resets and the cron jobs are written against these, so the
same code runs against the real parts and a unit test passes a small fake:

- `Cloud`: Keystone and the quota APIs (`moc_tui.core.cloud.KeystoneCloud`);
- `Setpass`: the set-password service (`setpass_client.SetpassClient`);
- `MailSender`: SMTP (`moc_tui.core.mail.Mailer`);
- `SheetStore`: the request sheets (the Google store and the embedded one, `moc_tui.core.sheets`).

A fake implements what its test reaches; the real ones implement all of it (mypy checks them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from moc_tui.core.cloud.models import Ensured, Member, Project, User
from moc_tui.core.mail import OutgoingMail
from moc_tui.core.mail.smtp import SendResult
from moc_tui.core.sheets.store import SheetStore

__all__ = ["Cloud", "MailSender", "Setpass", "SheetStore"]


class Cloud(Protocol):
    """The allocator (coldfront-plugin-cloud's `ResourceAllocator`): find-or-create projects and
    users, membership, passwords, quotas. `KeystoneCloud` is the real one; every method raises
    `CloudError` and nothing else from the cloud."""

    def find_project(self, name: str, *, likely_new: bool = False) -> Project | None:
        """By name ignoring case; None when absent; reserved names refused.

        `likely_new`: the caller will create it when absent (one case-insensitive query
        instead of an exact one that would likely miss; see `lookup.find_by_name`).
        """
        ...

    def create_project(
        self, name: str, description: str, *, exist_ok: bool = True, checked: bool = False
    ) -> Ensured[Project]:
        """Find-or-create; `checked`: the caller's lookup just missed, do not look again."""
        ...

    def get_project(self, project_id: str) -> Project:
        """By id (a journalled id on resume); NotFound when it was deleted."""
        ...

    def find_user(self, name: str, *, likely_new: bool = False) -> User | None:
        """By name (the email address) ignoring case; `likely_new` as for find_project."""
        ...

    def get_user(self, user_id: str) -> User:
        """By id, with the email stored in Keystone."""
        ...

    def create_user(
        self,
        name: str,
        email: str,
        description: str,
        password: str,
        *,
        exist_ok: bool = True,
        checked: bool = False,
    ) -> Ensured[User]:
        """Find-or-create; an existing user is left untouched; `checked` as for projects."""
        ...

    def ensure_member(self, user_id: str, project_id: str) -> None:
        """Grant the member role (idempotent: holding it already is fine)."""
        ...

    def is_admin_user(self, user: User) -> bool:
        """Reserved name or admin role anywhere."""
        ...

    def set_password(self, user_id: str, password: str) -> User:
        """New password for a non-admin user; returns the user (for its stored email)."""
        ...

    def project_members(self, project_id: str) -> list[Member]:
        """Users with any role on the project, each once."""
        ...

    def get_quotas(self, project_id: str) -> dict[str, int]:
        """Compute, network and volume limits merged."""
        ...

    def set_quotas(self, project_id: str, values: Mapping[str, int]) -> dict[str, int]:
        """Apply; returns the requested keys as read back."""
        ...

    def ports_in_use(self, project_id: str) -> int:
        """Ports not attached to instances (input to quotas.adjust_port_quota)."""
        ...


class MailSender(Protocol):
    """What sending needs: one message handed to the server (`Mailer` owns the connection)."""

    def send(self, mail: OutgoingMail) -> SendResult: ...


class Setpass(Protocol):
    """setpass's API: a registration gives the token of a user's link; a None password or PIN
    keeps the stored one; `redeem` binds the PIN the user chose on the reset form (named by the
    ticket's reference); `status` is None for a user setpass does not know."""

    def register(self, user_id: str, password: str | None, pin: str | None) -> str: ...
    def redeem(self, user_id: str, password: str | None, reference: str) -> str: ...
    def renew(self, user_id: str) -> str: ...
    def status(self, user_id: str) -> str | None: ...
    def link(self, token: str) -> str: ...
