"""Bounded exponential backoff for calls to a rate-limited, sometimes failing service.

Google asks clients to retry 429 and 5xx with exponential backoff; the quota refills each minute.
Delays are deterministic (`base * 2**n`, capped): jitter buys little for one client. `sleep` is
injected so tests record the delays instead of waiting.

A `Deadline` caps the total time of one call, attempts and pauses together (the attempts alone
could otherwise add up to minutes: 7 timeouts of 30 s plus the pauses): no pause runs past it,
and the caller shortens each attempt's own timeout to what is left.
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


@dataclass(frozen=True)
class Deadline:
    """At most `seconds` for one call in all; `setting` names where that number comes from."""

    seconds: float
    setting: str = "call_deadline"
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"unusable deadline: {self.seconds}")


def run_with_retry(
    attempt: Callable[[Failure | None], T],
    *,
    what: str,
    policy: RetryPolicy,
    sleep: Callable[[float], None] = time.sleep,
    deadline: Deadline | None = None,
    started: float | None = None,
) -> T:
    """Call `attempt(previous_failure)` until it returns; it raises `Retry` to go again.

    When the attempts run out, or the next pause would end past `deadline` (counted from
    `started`, default now), raise `SheetUnavailable` naming the job, the last failure and the
    limit that stopped it.
    """
    previous: Failure | None = None
    waited = 0.0
    begin = 0.0
    if deadline is not None:
        begin = started if started is not None else deadline.clock()
    made = 0
    stopped_by_deadline = False
    for number in range(policy.attempts):
        if number:
            pause = policy.delay(number - 1)
            if deadline is not None and deadline.clock() - begin + pause >= deadline.seconds:
                stopped_by_deadline = True
                break
            sleep(pause)
            waited += pause
        made += 1
        try:
            return attempt(previous)
        except Retry as retry:
            previous = retry.failure
    assert previous is not None
    if stopped_by_deadline and deadline is not None:
        spent = deadline.clock() - begin
        limit = f"the {deadline.setting} of {deadline.seconds:g}s would pass"
        raise SheetUnavailable(
            f"{what}: Google Sheets kept failing ({previous.reason}); gave up after {made} "
            f"attempt(s) over {spent:.0f}s because {limit}. Try again in a minute."
        )
    raise SheetUnavailable(
        f"{what}: Google Sheets kept failing ({previous.reason}); gave up after "
        f"{policy.attempts} attempts over {waited:.0f}s. Try again in a minute."
    )
