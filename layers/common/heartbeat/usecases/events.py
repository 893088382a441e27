"""AWS workloads' own run events as pings: an ECS task, a Batch job, a Step Functions execution,
a Glue job, a CodeBuild build or an asynchronous Lambda invocation reports its run on EventBridge,
and each monitor whose `config.events` pattern matches the event gets the ping the event means,
recorded by the same use case as an HTTP ping (`record_ping`).

Which monitors an event concerns is known without reading the table per event: the warm function
remembers every event-fed monitor's patterns (one query of the sparse `events` index) for a minute,
so a matched event costs what an HTTP ping costs: one conditional UpdateItem and one PutItem. An
event that matches nothing re-reads them at most every few seconds, so a monitor made a moment
ago is found without waiting out the minute.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from heartbeat.domain.errors import DuplicateEvent, InvalidInput, MalformedEvent, NotFound
from heartbeat.domain.eventpatterns import check_pattern, matches
from heartbeat.domain.model import Ping
from heartbeat.domain.runsources import report_of
from heartbeat.store import Store
from heartbeat.usecases.pings import RulesCache, record_ping

if TYPE_CHECKING:
    from heartbeat.adapters.sns import Publisher

log = logging.getLogger(__name__)

PATTERNS_TTL_MS = 60_000  # how long a warm function trusts the patterns it read
MISS_REFRESH_MS = 5_000  # an event that matches nothing re-reads them, at most this often


class EventMonitorsCache:
    """Every event-fed monitor's patterns, as this warm function last read them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._monitors: list[tuple[str, list[dict[str, Any]]]] = []
        self._read_ms: int | None = None

    def matching(self, event: dict[str, Any], now_ms: int) -> list[str]:
        """The ids of the monitors one of whose patterns matches the event."""
        if self._read_ms is None or now_ms - self._read_ms >= PATTERNS_TTL_MS:
            self._read(now_ms)
        found = self._match(event)
        if not found and self._read_ms is not None and now_ms - self._read_ms >= MISS_REFRESH_MS:
            self._read(now_ms)
            found = self._match(event)
        return found

    def _read(self, now_ms: int) -> None:
        self._monitors = [
            (monitor_id, usable(monitor_id, patterns)) for monitor_id, patterns in self._store.event_monitors.all()
        ]
        self._read_ms = now_ms

    def _match(self, event: dict[str, Any]) -> list[str]:
        return [monitor_id for monitor_id, patterns in self._monitors if any(matches(p, event) for p in patterns)]


def usable(monitor_id: str, patterns: Any) -> list[dict[str, Any]]:
    """The monitor's patterns that EventBridge's grammar allows. One it refuses (stored before
    patterns were checked) is logged and left out: it matches nothing, and judges no event."""
    kept = []
    for i, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        try:
            check_pattern(pattern, f"events[{i}]")
        except InvalidInput as e:
            log.warning("event pattern ignored: monitor %s, %s", monitor_id, e)
            continue
        kept.append(pattern)
    return kept


@dataclass
class EventOutcome:
    """What one event did: the monitors it pinged, and those it left alone as already recorded."""

    pinged: list[str] = field(default_factory=list)
    duplicate: list[str] = field(default_factory=list)
    kind: str | None = None  # the ping it meant (success, fail, start, log); None: not a run's start or end


def record_event(
    store: Store,
    publisher: Callable[[], Publisher],
    monitors: EventMonitorsCache,
    event: dict[str, Any],
    now_ms: int,
    rules_cache: RulesCache | None = None,
) -> EventOutcome:
    """Ping every monitor the event matches with what the event says of its run. Raises
    Unavailable or Contention (the invocation fails and Lambda retries it: recorded stages are
    then duplicates, so a retry records only what is missing)."""
    try:
        report = report_of(event, now_ms)
    except MalformedEvent as e:
        # A retry would read it the same way: logged and skipped, never dead-lettered (nor alarmed on).
        where = (event.get("source"), event.get("detail-type"), event.get("id"))
        log.warning("malformed run event skipped: %s; source, detail-type, id: %r", e.field, where)
        return EventOutcome()
    outcome = EventOutcome(kind=report.kind.value if report else None)
    if report is None:
        return outcome
    ids = monitors.matching(event, now_ms)
    if not ids:
        return outcome
    body = report.body.encode()
    ping = Ping(
        kind=report.kind,
        method="EVENT",
        source_ip=f"{event.get('account', '')}/{event.get('region', '')}"[:64],
        user_agent=report.label[:512],
        body=body,
        body_size=len(body),
        exit_status=report.exit_status,
        rid=report.rid,
        run_stage=report.stage,
    )
    for monitor_id in ids:
        try:
            record_ping(store, publisher, monitor_id, ping, now_ms, rules_cache)
        except DuplicateEvent:
            outcome.duplicate.append(monitor_id)
            continue
        except NotFound:
            continue  # deleted since this function read the patterns
        outcome.pinged.append(monitor_id)
    return outcome
