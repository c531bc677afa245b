"""The one path from a failed worker to the screen: `@reports_failure("what")`.

A screen's `@work` method calls the backend off the UI thread; whatever it raises becomes a
`CallFailed(what, text)` message that the screen (or the app) shows, with `explain()`'s
operator-safe words, never a traceback and never the exception's own text, unless the method
names the exception types whose text it wrote for the operator itself (`own_words`).

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    @reports_failure("load")
    def load(self) -> None: ...
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from textual.message_pump import MessagePump

from moc_tui.tui.backend_link import explain
from moc_tui.tui.messages import CallFailed

P = ParamSpec("P")
Node = TypeVar("Node", bound=MessagePump)
Method = Callable[Concatenate[Node, P], None]


def reports_failure(
    what: str, *, own_words: tuple[type[Exception], ...] = ()
) -> Callable[[Method[Node, P]], Method[Node, P]]:
    """Wrap a worker method so that an exception posts `CallFailed(what, …)` to its node."""

    def wrap(method: Method[Node, P]) -> Method[Node, P]:
        @functools.wraps(method)
        def worker(node: Node, /, *args: P.args, **kwargs: P.kwargs) -> None:
            try:
                method(node, *args, **kwargs)
            except Exception as error:
                text = str(error) if isinstance(error, own_words) else explain(error)
                node.post_message(CallFailed(what, text))

        return worker

    return wrap
