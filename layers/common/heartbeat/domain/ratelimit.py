"""Token buckets: API Gateway's throttling (the local stack mimics it) and the ping function's
per-monitor limit, which keeps one runaway script from taking the capacity its neighbours share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from heartbeat.domain.errors import RateLimited


class TokenBucket:
    """`burst` requests at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = float(burst)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """One request's token; False means the request is refused."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class MonitorRateLimit:
    """A bucket per monitor address (a token's monitor id, or a ping key and slug), in one warm
    Lambda's memory, checked before any read: no DynamoDB call, so refusing a runaway
    monitor costs nothing and never delays another. Each instance counts on its own, so the limit
    holds per instance; a script pinging in a loop is served by one warm instance and meets it.

    A refused ping is a 429 that names the limit; no ping under it is ever refused, and a monitor
    pinged past it is alive by definition, so refusing its excess raises no false alarm. Failure
    reports are never held (the ping function does not ask): a script that loops and then fails
    must be heard failing.
    """

    MAX_MONITORS = 10_000  # memory bound: the least recently used bucket goes first

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._buckets: dict[str, TokenBucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, address: str) -> None:
        """Raises RateLimited when this address has used its burst and not yet earned a token back."""
        if not self.enabled:
            return
        bucket = self._buckets.pop(address, None)  # and put back last: the oldest is the least used
        if bucket is None:
            if len(self._buckets) >= self.MAX_MONITORS:
                self._buckets.pop(next(iter(self._buckets)))
            bucket = TokenBucket(self.rate, self.burst, self._clock)
        self._buckets[address] = bucket
        if not bucket.take():
            raise RateLimited(self.rate, self.burst)
