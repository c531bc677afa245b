"""Look-ups behind the protocol while the operator types: project suggestions and user search.

Both only read. They are asked often (the TUI debounces, but still once per pause in typing), so:
the project names are listed once and kept a minute (`search.ProjectDirectory`), and a Keystone
failure is a plain `unavailable` refusal, not an internal error: a Keystone outage while someone
types must not fill the errors log with one record per keystroke.
"""

from __future__ import annotations

from typing import Any

from moc_tui.backend import views
from moc_tui.backend.batch_claim import Emit
from moc_tui.backend.ops.base import SessionState
from moc_tui.core.cloud.errors import CloudError
from moc_tui.core.cloud.search import (
    SUGGESTION_LIMIT,
    USER_LIMIT,
    ProjectDirectory,
    SearchRefused,
    find_users,
    suggest_projects,
)
from moc_tui.core.services import Services
from moc_tui.core.text import trim
from moc_tui.protocol import replies
from moc_tui.protocol.wire import ProtocolError as Refused


def _unavailable(error: CloudError) -> Refused:
    return Refused("unavailable", views.clean(str(error), 500))


class LookupOps(SessionState):
    """The look-up ops of a session."""

    _directory: ProjectDirectory | None = None

    def _projects(self, services: Services) -> ProjectDirectory:
        if self._directory is None:
            self._directory = ProjectDirectory.of(services.cloud)
        return self._directory

    def op_suggest_projects(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.Suggestions:
        """Keystone projects and `[project_aliases]` entries close to the typed name."""
        text = trim(params["text"])
        if not text:
            return {"suggestions": []}
        try:
            names = self._projects(services).names()
        except CloudError as error:
            raise _unavailable(error) from None
        found = suggest_projects(text, names, self.settings.project_aliases, SUGGESTION_LIMIT)
        return {
            "suggestions": [
                {
                    "name": views.clean(s.name, views.SHORT),
                    "source": s.source,
                    "target": views.clean(s.target, views.SHORT),
                }
                for s in found
            ]
        }

    def op_find_users(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.UserMatches:
        """Users whose name or email contains the text; never admin or reserved accounts."""
        try:
            users = find_users(services.cloud, params["text"], USER_LIMIT)
        except SearchRefused as refused:
            raise Refused("bad_params", str(refused)) from None
        except CloudError as error:
            raise _unavailable(error) from None
        return {
            "users": [
                {
                    "name": views.clean(u.name, views.SHORT),
                    "email": views.clean(u.email or "", views.SHORT),
                    "enabled": u.enabled,
                }
                for u in users
            ]
        }
