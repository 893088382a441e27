"""The sweeper: act on everything in the due index whose time has come.

Monitors past their deadline go down (one incident, one alert, even with two sweepers at once);
alerts whose publish failed or whose writer crashed are published again. The index is read
shard by shard with `deadline <= now`, so a sweep reads what is overdue, not every monitor, and
a late or skipped sweep catches up on its own. Items are handled by a few threads at once: in a
mass outage the last alert should not wait for a thousand round trips before it.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.alerts import LEASE_MS, Publisher, deliver, down_alert
from heartbeat.model import Alert, Cause, Monitor, Status
from heartbeat.store import Store

log = logging.getLogger(__name__)

WORKERS = 8  # boto3 clients are thread-safe; each item is a few independent round trips


@dataclass
class SweepReport:
    due: int = 0  # items the index returned
    marked_down: int = 0
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
    try:
        if isinstance(item, Monitor):
            alert = _mark_down(store, item, now_ms)
            outcomes.append("marked_down" if alert else "lost_races")
        elif store.claim_alert(item, now_ms + LEASE_MS):
            alert = item
        else:
            alert = None
            outcomes.append("lost_races")
        if alert is not None:
            outcomes.append("alerts_sent" if deliver(store, publisher, alert, now_ms) else "alerts_failed")
    except (BotoCoreError, ClientError):
        # One item's failure must not stop the sweep; it is still due and comes back next time.
        log.exception("sweep of one due item failed")
        outcomes.append("errors")
    return outcomes


def _mark_down(store: Store, monitor: Monitor, now_ms: int) -> Alert | None:
    assert monitor.deadline_ms is not None
    cause = Cause.TIMEOUT if monitor.status is Status.STARTED else Cause.MISSED
    alert = down_alert(monitor, monitor.deadline_ms, cause, now_ms)
    return alert if store.mark_down(monitor, cause, alert, now_ms) else None
