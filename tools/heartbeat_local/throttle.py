"""API Gateway's throttling, for the local stack: a token bucket per route, refilled at the route's
rate up to its burst, as template.yaml's route settings declare them."""

from __future__ import annotations

import time
from collections.abc import Callable

from heartbeat.domain.ratelimit import TokenBucket


class Throttle:
    def __init__(self, limits: dict[str, tuple[float, int]], clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets = {key: TokenBucket(rate, burst, clock) for key, (rate, burst) in limits.items()}

    def allows(self, route_key: str) -> bool:
        bucket = self._buckets.get(route_key)
        return bucket is None or bucket.take()
