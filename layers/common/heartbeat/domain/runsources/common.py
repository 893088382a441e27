"""What every run source's module shares: the declaration it makes (`RunSource`), and readers
for the field types AWS documents, which refuse a field of another type as MalformedEvent naming
where it is (an event of any shape is read or refused, never raised on: tests/unit/test_awsruns.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from heartbeat.domain.errors import MalformedEvent
from heartbeat.domain.model import PingKind

Found = tuple[PingKind, str, list[str], int | None]  # kind, run id ("": the event's id), body lines, exit status
Reader = Callable[[dict[str, Any], str], Found | None]  # (detail, region) -> None: no run's start or end
D = "detail."  # where a malformed field is, for the log


class NotMonitorable(Exception):
    """A scheduled target whose runs no event pattern can pick out; the text says why."""


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, arn: str) -> Arn:
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn":
            raise NotMonitorable(f"target {arn!r} is not an ARN")
        return cls(*parts[1:])

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


# The pattern matching the runs a Scheduler schedule's or a scheduled rule's target starts (the
# target as AWS describes it: Arn, EcsParameters, ...); None when the target is not this source's.
Discovery = Callable[[Arn, dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class RunSource:
    """An AWS service whose runs report themselves on EventBridge, as one module declares it."""

    source: str  # the events' `source`, as the template's rule and a monitor's pattern name it
    readers: Mapping[str, Reader]  # detail-type -> what such an event says of a run
    discover: Discovery | None = None  # for `heartbeat discover`; None: no scheduled target starts its runs
    discovery_note: str = ""  # what the user must set up before the runs reach EventBridge


def text(d: dict[str, Any], key: str, where: str = "") -> str:
    """A field AWS documents as a string: "" when absent or null, MalformedEvent when not a string."""
    value = d.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"{where}{key}")
    return value


def mapping(d: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    """A field AWS documents as an object: {} when absent or null."""
    value = d.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedEvent(f"{where}{key}")
    return value


def mappings(d: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
    """A field AWS documents as a list of objects: [] when absent or null."""
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedEvent(f"{where}{key}")
    return value


def exit_status(code: Any) -> int | None:
    """A non-zero exit code as a ping's exit status (0-255), or None."""
    if isinstance(code, bool) or not isinstance(code, int) or code == 0:
        return None
    return code if 0 < code <= 255 else 255
