"""What a ping means, and the writes it makes.

The common case, a success on a monitor that is up, is one conditional UpdateItem (no read)
plus one PutItem of the ping event. Only a ping that opens or resolves an incident reads: the
failed condition returns the monitor as it stands, and a transaction makes the transition.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.errors import Contention, NotFound
from heartbeat.model import Alert, Cause, Monitor, Ping, PingEvent, PingKind
from heartbeat.schedules import deadline_after_success
from heartbeat.store import LostRace, Store
from heartbeat.tokens import is_token, monitor_id_for

if TYPE_CHECKING:
    from heartbeat.alerts import Publisher

log = logging.getLogger(__name__)

# Each attempt loses only to a concurrent write on the same monitor; a handful always suffices.
MAX_ATTEMPTS = 5


class ScheduleCache:
    """What a warm Lambda remembers of cron monitors, so their success pings stay one write.

    A cron deadline needs the schedule, which the ping write does not read. The first ping of a
    cron monitor learns it from the failed write's returned item; later ones compute the deadline
    from memory, and the write holds only while the monitor's `rev` is the one remembered, so a
    stale entry costs one failed write, never a wrong deadline.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._cron: dict[str, Monitor] = {}

    def get(self, monitor_id: str) -> Monitor | None:
        return self._cron.get(monitor_id)

    def learn(self, monitor: Monitor) -> None:
        if monitor.schedule is None:
            self._cron.pop(monitor.id, None)
            return
        if len(self._cron) >= self.MAX_ENTRIES:
            self._cron.pop(next(iter(self._cron)))  # the oldest entry
        self._cron[monitor.id] = monitor


def cause_of(ping: Ping) -> Cause | None:
    """The failure a ping reports, or None for a success, a start or a log."""
    if ping.exit_status:
        return Cause.EXIT_STATUS
    if ping.kind is PingKind.FAIL:
        return Cause.FAILED
    return None


def record_ping(
    store: Store,
    publisher: Callable[[], Publisher],
    token: str,
    ping: Ping,
    now_ms: int,
    schedules: ScheduleCache | None = None,
) -> int:
    """Apply one ping to its monitor and return the ping's number. Raises NotFound, Contention."""
    if schedules is None:  # no warm memory: a cron monitor's ping learns its schedule each time
        schedules = ScheduleCache()
    if not is_token(token):
        raise NotFound("unknown token")
    monitor_id = monitor_id_for(token)
    cause = cause_of(ping)
    # (effect, incident_open): the write this ping makes and the state it expects the monitor in.
    if ping.kind is PingKind.LOG:
        effect, incident_open = "record", None
    elif cause is not None:
        effect, incident_open = "record", True
    elif ping.kind is PingKind.START:
        effect, incident_open = "start", False
    else:
        effect, incident_open = "arm", False

    alert: Alert | None = None
    started_ms: int | None = None  # the /start of the run this success finishes
    for _ in range(MAX_ATTEMPTS):
        known = schedules.get(monitor_id) if effect == "arm" else None
        cron = (deadline_after_success(known, now_ms), known.rev) if known else None
        write = store.ping_write(monitor_id, ping.kind, now_ms, effect, incident_open, cron)
        if write.n is not None:
            n = write.n
            started_ms = write.previous.last_start_ms if write.previous and effect == "arm" else None
            break
        current = write.current
        assert current is not None
        schedules.learn(current)
        if (effect == "arm" and (current.schedule is not None) != (cron is not None)) or (
            cron and cron[1] != current.rev
        ):
            continue  # the schedule, not the incident state, was off: try again with the right one
        try:
            if ping.kind is PingKind.START:
                # A start while down records the start and leaves the incident open.
                effect, incident_open = ("record", True) if current.open_incident_ms else ("start", False)
                continue
            # Only pings that open or resolve an incident need alerts: import them here, off the cold start.
            from heartbeat.alerts import down_alert, up_alert

            after = dataclasses.replace(current, last_ping_ms=now_ms)
            if cause is not None:
                alert = down_alert(after, now_ms, cause, now_ms)
                n = store.open_by_ping(current, ping.kind, now_ms, cause, alert)
            elif current.open_incident_ms is None:
                continue  # the state moved back while we looked: write again
            else:
                alert = up_alert(after, current.open_incident_ms, now_ms, now_ms)
                n = store.resolve_by_ping(current, ping.kind, now_ms, alert, deadline_after_success(current, now_ms))
                started_ms = current.last_start_ms
            break
        except LostRace:
            alert = None
            continue
    else:
        raise Contention("too many concurrent pings on this monitor")

    if store.keeps_ping_log:
        try:
            duration = now_ms - started_ms if started_ms is not None else None
            store.put_ping_event(PingEvent(monitor_id=monitor_id, n=n, at_ms=now_ms, ping=ping, duration_ms=duration))
        except (BotoCoreError, ClientError):
            # The monitor's state already counts this ping; only its log entry is missing.
            log.exception("ping event %s of monitor %s not stored", n, monitor_id)
    if alert is not None:
        from heartbeat.alerts import deliver

        deliver(store, publisher(), alert, now_ms)
    return n
