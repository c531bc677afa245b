"""A per-client sliding-window rate limit, kept in the process's memory.

In memory on purpose: no extra service to run. The limit therefore applies per process; with
several worker processes (gunicorn -w N) a client gets up to N times the limit. The deployment
snippets use one process with threads, like the original's mod_wsgi setup. The PIN lockout, which
is the real defence against guessing, lives in the database and holds across processes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from setpass.config import RateLimit

_MAX_CLIENTS = 50_000  # bound memory under a flood of distinct addresses


class RateLimiter:
    """`hit(client)` says whether one more request is allowed, and if not, when to retry."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> float | None:
        """Record a request; None if allowed, else the seconds until the next one would be."""
        now = self._clock()
        window_start = now - self.limit.seconds
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                if len(self._hits) >= _MAX_CLIENTS:
                    self._forget_idle(window_start)
                hits = self._hits[client] = deque()
            while hits and hits[0] <= window_start:
                hits.popleft()
            if len(hits) >= self.limit.count:
                return max(hits[0] - window_start, 0.001)
            hits.append(now)
            return None

    def _forget_idle(self, window_start: float) -> None:
        idle = [c for c, h in self._hits.items() if not h or h[-1] <= window_start]
        for client in idle:
            del self._hits[client]
        if len(self._hits) >= _MAX_CLIENTS:  # all busy: drop the oldest half rather than grow
            for client in list(self._hits)[: _MAX_CLIENTS // 2]:
                del self._hits[client]
