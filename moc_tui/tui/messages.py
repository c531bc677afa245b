"""Past-tense messages that thread workers post back to the UI (the harlequin pattern).

Workers never touch widgets: they call the backend link and post one of these; the screen
that started the worker handles it on the UI thread. Tests assert on them via `message_hook`.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from moc_tui.protocol.events import ProgressEvent
from moc_tui.protocol.replies import HelloReply, ResetReply
from moc_tui.protocol.views import (
    AuditView,
    ErrorView,
    NotActivatedView,
    PlanView,
    ProjectSuggestion,
    RequestView,
    UserMatch,
)


class WorkerMessage(Message, bubble=False):
    """Handled by the screen whose worker posted it; it has no business further up."""


class Greeted(WorkerMessage):
    """`hello` answered: cloud, tabs, operator."""

    def __init__(self, info: HelloReply) -> None:
        super().__init__()
        self.info = info


class RequestsLoaded(WorkerMessage):
    """A list op answered (`kind` is "access" or "quota")."""

    def __init__(self, kind: str, views: Sequence[RequestView]) -> None:
        super().__init__()
        self.kind = kind
        self.views = views


class CallFailed(WorkerMessage):
    """A backend call failed; `text` is already operator-safe words."""

    def __init__(self, what: str, text: str) -> None:
        super().__init__()
        self.what = what
        self.text = text


class PlansReady(WorkerMessage):
    def __init__(self, kind: str, plans: Sequence[PlanView]) -> None:
        super().__init__()
        self.kind = kind
        self.plans = plans


class RowEventReceived(WorkerMessage):
    """One streamed progress event of the row `key` (row_started, step_done, ...)."""

    def __init__(self, key: str, event: ProgressEvent) -> None:
        super().__init__()
        self.key = key
        self.event = event


class RowFinished(WorkerMessage):
    """The batch's reply for one row: done, failed (with the step), stopped or not sent."""

    def __init__(self, key: str, status: str, message: str = "", step: str = "") -> None:
        super().__init__()
        self.key = key
        self.status = status
        self.message = message
        self.step = step


class RunFinished(WorkerMessage):
    def __init__(self, cancelled: bool) -> None:
        super().__init__()
        self.cancelled = cancelled


class ErrorsLoaded(WorkerMessage):
    def __init__(self, records: Sequence[ErrorView]) -> None:
        super().__init__()
        self.records = records


class TrailLoaded(WorkerMessage):
    def __init__(self, records: Sequence[AuditView]) -> None:
        super().__init__()
        self.records = records


class PasswordResetDone(WorkerMessage):
    """The reset answered (`result` as the backend sent it, no PIN); `username` and
    `reference` as asked, for a confirmed second call."""

    def __init__(self, result: ResetReply, username: str = "", reference: str = "") -> None:
        super().__init__()
        self.result = result
        self.username = username
        self.reference = reference


class ProjectsSuggested(WorkerMessage):
    """`suggest_projects` answered while typing, for the `text` asked."""

    def __init__(self, text: str, items: Sequence[ProjectSuggestion]) -> None:
        super().__init__()
        self.text = text
        self.items = items


class UsersFound(WorkerMessage):
    """`find_users` answered while typing, for the `text` asked."""

    def __init__(self, text: str, items: Sequence[UserMatch]) -> None:
        super().__init__()
        self.text = text
        self.items = items


class NotActivatedLoaded(WorkerMessage):
    """`list_not_activated` answered: users who never set their password."""

    def __init__(self, users: Sequence[NotActivatedView]) -> None:
        super().__init__()
        self.users = users
