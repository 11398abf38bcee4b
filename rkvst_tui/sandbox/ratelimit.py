"""A per-client request rate limit (contract §6: 429 with Archivist-Rate-Limit-Reset)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """At most `per_second` requests per client in each one-second window."""

    def __init__(self, per_second: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        if per_second < 1:
            raise ValueError("the rate limit must be at least 1 request per second")
        self.per_second = per_second
        self._monotonic = monotonic
        self._windows: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> int | None:
        """Count one request; None when allowed, else the seconds until the window resets."""
        now = self._monotonic()
        window = int(now)
        with self._lock:
            start, count = self._windows.get(client, (window, 0))
            if start != window:
                start, count = window, 0
            count += 1
            self._windows[client] = (start, count)
            if len(self._windows) > 10_000:  # forget idle clients
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window}
        if count <= self.per_second:
            return None
        return max(1, math.ceil(start + 1 - now))
