"""API Gateway's throttling, for the local stack: a token bucket per route, refilled at the route's
rate up to its burst, as template.yaml's route settings declare them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = float(burst)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """One request's token; False means the request gets 429."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class Throttle:
    def __init__(self, limits: dict[str, tuple[float, int]], clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets = {key: TokenBucket(rate, burst, clock) for key, (rate, burst) in limits.items()}

    def allows(self, route_key: str) -> bool:
        bucket = self._buckets.get(route_key)
        return bucket is None or bucket.take()
