"""The sweeper: act on everything in the due index whose time has come.

Monitors past their deadline go down (one incident, one alert, even with two sweepers at once),
or count a missed run while below their failure threshold; monitors still down past their
reminder time get a reminder; alerts whose publish failed or whose writer crashed are published
again. The index is read shard by shard with `deadline <= now`, so a sweep reads what is due,
not every monitor, and a late or skipped sweep catches up on its own. Items are handled by a few
threads at once: in a mass outage the last alert should not wait for a thousand round trips.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.alerts import LEASE_MS, Publisher, deliver, down_alert, reminder_alert
from heartbeat.model import Alert, Cause, Monitor, Status
from heartbeat.schedules import deadline_after_success, reminder_after
from heartbeat.store import Store

log = logging.getLogger(__name__)

WORKERS = 8  # boto3 clients are thread-safe; each item is a few independent round trips


@dataclass
class SweepReport:
    due: int = 0  # items the index returned
    marked_down: int = 0
    misses_tolerated: int = 0  # missed runs below a monitor's failure threshold
    reminders: int = 0
    lost_races: int = 0  # a ping or another sweeper got there first
    alerts_sent: int = 0
    alerts_failed: int = 0
    errors: int = 0


def sweep(store: Store, publisher: Publisher, now_ms: int, workers: int = WORKERS) -> SweepReport:
    items = [item for shard in store.shards() for item in store.due(shard, now_ms)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        handled = pool.map(lambda item: _handle(store, publisher, item, now_ms), items)
        outcomes = Counter(outcome for found in handled for outcome in found)
    return SweepReport(due=len(items), **outcomes)


def _handle(store: Store, publisher: Publisher, item: Monitor | Alert, now_ms: int) -> list[str]:
    """What happened to one due item, as SweepReport field names."""
    outcomes = []
    alert: Alert | None = None
    try:
        if isinstance(item, Monitor):
            act = _remind if item.status is Status.DOWN else _missed
            outcome, alert = act(store, item, now_ms)
            outcomes.append(outcome)
        elif store.claim_alert(item, now_ms + LEASE_MS):
            alert = item
        else:
            outcomes.append("lost_races")
        if alert is not None:
            outcomes.append("alerts_sent" if deliver(store, publisher, alert, now_ms) else "alerts_failed")
    except (BotoCoreError, ClientError):
        # One item's failure must not stop the sweep; it is still due and comes back next time.
        log.exception("sweep of one due item failed")
        outcomes.append("errors")
    return outcomes


def _missed(store: Store, monitor: Monitor, now_ms: int) -> tuple[str, Alert | None]:
    """A run missed (or timed out). Below the failure threshold the miss is counted and the next
    run awaited; a sweep that comes late counts every run missed meanwhile. The incident opens at
    the deadline of the miss that reached the threshold."""
    assert monitor.deadline_ms is not None
    cause = Cause.TIMEOUT if monitor.status is Status.STARTED else Cause.MISSED
    deadline, streak = monitor.deadline_ms, monitor.fail_streak
    while True:
        streak += 1
        if streak >= monitor.failure_threshold:
            alert = down_alert(monitor, deadline, cause, now_ms)
            reminder_at = reminder_after(monitor, deadline, now_ms)
            if store.mark_down(monitor, cause, alert, now_ms, deadline, reminder_at):
                return "marked_down", alert
            return "lost_races", None
        expected = monitor.last_start_ms if cause is Cause.TIMEOUT and streak == monitor.fail_streak + 1 else None
        deadline = deadline_after_success(monitor, expected or deadline - monitor.grace_s * 1000)
        if deadline > now_ms:
            return ("misses_tolerated" if store.tolerate_miss(monitor, deadline, streak) else "lost_races"), None


def _remind(store: Store, monitor: Monitor, now_ms: int) -> tuple[str, Alert | None]:
    """Still down at its reminder time: one more alert, and the time of the next."""
    assert monitor.deadline_ms is not None
    next_ms = reminder_after(monitor, monitor.deadline_ms, now_ms)
    if monitor.open_incident_ms is None or next_ms is None:  # reminders turned off meanwhile
        return "lost_races", None
    alert = reminder_alert(monitor, monitor.reminders + 1, now_ms)
    if store.remind(monitor, alert, next_ms, now_ms):
        return "reminders", alert
    return "lost_races", None
