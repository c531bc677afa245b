"""Bounded exponential backoff for calls to a rate-limited, sometimes failing service.

Google asks clients to retry 429 and 5xx with exponential backoff; the quota refills each minute.
Delays are deterministic (`base * 2**n`, capped): jitter buys little for one client. `sleep` is
injected so tests record the delays instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from moc_tui.core.sheets.store import SheetUnavailable

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` calls, `base_delay * 2**n` seconds apart (capped at `max_delay`).

    The defaults wait 1, 2, 4, ... 32 s: just over a minute in all, the time Google's per-minute
    quota takes to refill.
    """

    attempts: int = 7
    base_delay: float = 1.0
    max_delay: float = 32.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(f"unusable retry policy: {self}")

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (0 for the first retry)."""
        return float(min(self.max_delay, self.base_delay * 2**retry))


@dataclass(frozen=True)
class Failure:
    """A failed attempt worth retrying: what happened, and whether it may have taken effect.

    `unclear` is set when no answer came back after the request was sent (a read timeout, a
    dropped connection): a write may then have been applied, and the next attempt must check.
    """

    reason: str
    unclear: bool = False


class Retry(Exception):
    """Raised by an attempt to ask for another one."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


def run_with_retry(
    attempt: Callable[[Failure | None], T],
    *,
    what: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `attempt(previous_failure)` until it returns; it raises `Retry` to go again.

    When the attempts run out, raise `SheetUnavailable` naming the job and the last failure.
    """
    previous: Failure | None = None
    waited = 0.0
    for number in range(policy.attempts):
        if number:
            pause = policy.delay(number - 1)
            sleep(pause)
            waited += pause
        try:
            return attempt(previous)
        except Retry as retry:
            previous = retry.failure
    assert previous is not None
    raise SheetUnavailable(
        f"{what}: Google Sheets kept failing ({previous.reason}); gave up after "
        f"{policy.attempts} attempts over {waited:.0f}s. Try again in a minute."
    )
