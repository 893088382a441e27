"""Sending a target's request over HTTP, and retrying it: the one place both are done.

Transient failures (a timeout, a refused connection, 5xx, 408, 429) are retried with exponential
backoff, honouring a 429's Retry-After, within a time budget; any other 4xx fails for good at
once. Errors name the status, never the URL (it is the secret).
"""

from __future__ import annotations

import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from heartbeat.domain.targets import Request

TRANSIENT = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_s: float = 1.0  # first backoff; doubled each time, with jitter
    budget_s: float = 60.0  # all attempts and waits of one delivery
    timeout_s: float = 10.0  # one attempt


DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True)
class DeliveryOutcome:
    """How sending one request to one target ended."""

    delivered: bool
    attempts: int
    error: str = ""  # of the last attempt: "HTTP 503", "timeout", ...


class Failure(Exception):
    def __init__(self, error: str, transient: bool, retry_after_s: float | None = None) -> None:
        super().__init__(error)
        self.error, self.transient, self.retry_after_s = error, transient, retry_after_s


Sender = Callable[[Request, float], None]


def http_send(request: Request, timeout_s: float) -> None:
    """One attempt; raises Failure saying whether to try again."""
    # Only https (or http to this machine, locally) URLs get here: domain.targets.check refuses the rest.
    req = urllib.request.Request(request.url, request.body, request.headers, method=request.method)  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as reply:  # noqa: S310
            reply.read()
    except urllib.error.HTTPError as e:
        raise Failure(f"HTTP {e.code}", e.code in TRANSIENT, retry_after(e.headers.get("retry-after"))) from None
    except TimeoutError:
        raise Failure("timeout", transient=True) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        kind = "timeout" if isinstance(reason, TimeoutError | socket.timeout) else type(reason).__name__
        raise Failure(kind, transient=True) from None


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def send_with_retry(
    request: Request,
    policy: RetryPolicy = DEFAULT_POLICY,
    send: Sender = http_send,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryOutcome:
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        left = policy.budget_s - (clock() - started)
        try:
            send(request, max(0.1, min(policy.timeout_s, left)))
            return DeliveryOutcome(True, attempt)
        except Failure as failure:
            if not failure.transient or attempt >= policy.attempts:
                return DeliveryOutcome(False, attempt, failure.error)
            backoff = policy.base_s * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            wait = failure.retry_after_s if failure.retry_after_s is not None else backoff
            if clock() - started + wait >= policy.budget_s:
                return DeliveryOutcome(False, attempt, f"{failure.error}; retry after {wait:g}s is past the budget")
            sleep(wait)
