"""Password resets behind the protocol.

A reset names the PIN by the ticket's reference (setpass holds the PIN itself), so no PIN ever
reaches the backend from the TUI; the reference is handed to the core and not echoed or
journaled. A reset of a user reset minutes ago answers `needs_confirmation`; the dialog asks the
operator and calls again with `again`.
"""

from __future__ import annotations

from typing import Any

from moc_tui.backend import views
from moc_tui.backend.batch_claim import Emit
from moc_tui.backend.locks import Busy
from moc_tui.backend.ops.base import SessionState
from moc_tui.core.access.events import Event
from moc_tui.core.services import Services
from moc_tui.core.workflow.keys import user_lock_key
from moc_tui.protocol import replies
from moc_tui.protocol.wire import ProtocolError as Refused


class ResetOps(SessionState):
    """The password reset op of a session."""

    def op_reset_password(
        self, services: Services, params: dict[str, Any], emit: Emit
    ) -> replies.ResetReply:
        username = params["username"].strip().lower()
        try:
            with self.locks.hold([user_lock_key(username)]):

                def on_event(item: Event) -> None:
                    emit(views.event_view(item))

                result = services.reset_password(
                    username,
                    reference=params.pop("reference"),
                    again=bool(params.get("again", False)),
                    on_event=on_event,
                )
        except Busy as error:
            raise Refused(
                "busy", f"{username}: {error}", holder=views.clean(error.holder, views.SHORT)
            ) from None
        return {
            "ok": result.ok,
            "username": views.clean(result.username, views.SHORT),
            "mailed_to": views.clean(result.mailed_to, views.SHORT),
            "resumed": result.resumed,
            "step": result.step,
            "message": views.clean(result.message),
            "needs_confirmation": result.needs_confirmation,
        }
