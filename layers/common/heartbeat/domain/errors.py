"""Every error Heartbeat raises on purpose, under one base. Handlers map them to HTTP answers in
one place each; the store turns DynamoDB's errors into these."""

from __future__ import annotations


class HeartbeatError(Exception):
    """Base class: every error the domain raises on purpose."""


class NotFound(HeartbeatError):
    """The monitor (or key, incident, ...) does not exist."""


class InvalidInput(HeartbeatError):
    """Input the caller can fix; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Unauthorized(HeartbeatError):
    """No API key, or one that is not known."""


class Forbidden(HeartbeatError):
    """A key whose role may not do this (a read key changing something)."""


class MethodNotAllowed(HeartbeatError):
    """An HTTP method a route does not take."""


class Ambiguous(HeartbeatError):
    """Several monitors carry this slug."""


class Contention(HeartbeatError):
    """Concurrent writes kept winning; the caller may retry."""


class NotPaused(HeartbeatError):
    """A resume that asked for a paused monitor found one that is not."""


class NotDown(HeartbeatError):
    """An acknowledgement for an incident that is not open (resolved, or never was): 409."""


class LostRace(HeartbeatError):
    """A conditional write lost to a concurrent one; re-read and decide again."""


class Unavailable(HeartbeatError):
    """An AWS call was throttled or failed past botocore's own retries; nothing was written by it.
    `code` names the AWS error for logs (never a secret)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"AWS call failed: {code}")
        self.code = code


class MalformedBody(HeartbeatError):
    """A request body that is not the JSON it should be: not UTF-8, not base64 where it says so,
    nested too deep, a number JSON cannot carry exactly, or a key given twice."""


class RateLimited(HeartbeatError):
    """A monitor pinged faster than its limit allows; the excess is refused, not recorded."""

    def __init__(self, rate: float, burst: int) -> None:
        super().__init__(
            f"this monitor takes at most {rate:g} pings/s (bursts of {burst}); this ping was not recorded, "
            "retry in a second"
        )
        self.rate, self.burst = rate, burst


class DuplicateEvent(HeartbeatError):
    """An AWS event for a run's stage already recorded (a second delivery, or a start that arrives
    after its run ended): ignored, nothing written."""


class MalformedEvent(HeartbeatError):
    """An AWS event whose fields are not what AWS documents for its source (forged, or corrupted):
    logged and skipped, as a retry would read it the same way. `field` names the first such field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field}: not the shape AWS documents for this event")
        self.field = field
