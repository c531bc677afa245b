"""Waiting on a condition with a deadline: the one way tests wait for another process.

Tests never sleep a fixed time hoping something happened; they poll a condition, briefly, and
fail with what they waited for when the deadline passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.02


def wait_until(check: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
    """Return as soon as `check()` is true; AssertionError naming `what` after `timeout`."""
    wait_for_value(lambda: True if check() else None, timeout, what)


def wait_for_value(produce: Callable[[], T | None], timeout: float = 20.0, what: str = "") -> T:
    """The first value `produce()` returns that is not None."""
    deadline = time.monotonic() + timeout
    while True:
        value = produce()
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)
