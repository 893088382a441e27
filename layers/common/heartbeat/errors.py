"""Domain errors. Handlers map them to HTTP responses in one place each."""

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


class Contention(HeartbeatError):
    """Concurrent writes kept winning; the caller may retry."""
