"""The sweeper: act on everything in the due index whose time has come.

Monitors past their deadline go down (one incident, one alert, even with two sweepers at once);
alerts whose publish failed or whose writer crashed are published again. The index is read
shard by shard with `deadline <= now`, so a sweep reads what is overdue, not every monitor, and
a late or skipped sweep catches up on its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from heartbeat.alerts import LEASE_MS, Publisher, deliver, down_alert
from heartbeat.model import Alert, Cause, Monitor, Status
from heartbeat.store import Store

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    due: int = 0  # items the index returned
    marked_down: int = 0
    lost_races: int = 0  # a ping or another sweeper got there first
    alerts_sent: int = 0
    alerts_failed: int = 0
    errors: int = 0


def sweep(store: Store, publisher: Publisher, now_ms: int) -> SweepReport:
    report = SweepReport()
    for shard in store.shards():
        for item in store.due(shard, now_ms):
            report.due += 1
            try:
                if isinstance(item, Monitor):
                    alert = _mark_down(store, item, now_ms, report)
                elif store.claim_alert(item, now_ms + LEASE_MS):
                    alert = item
                else:
                    report.lost_races += 1
                    alert = None
                if alert is not None:
                    if deliver(store, publisher, alert, now_ms):
                        report.alerts_sent += 1
                    else:
                        report.alerts_failed += 1
            except (BotoCoreError, ClientError):
                # One item's failure must not stop the sweep; it is still due and comes back next time.
                report.errors += 1
                log.exception("sweep of an item in shard %s failed", shard)
    return report


def _mark_down(store: Store, monitor: Monitor, now_ms: int, report: SweepReport) -> Alert | None:
    assert monitor.deadline_ms is not None
    cause = Cause.TIMEOUT if monitor.status is Status.STARTED else Cause.MISSED
    alert = down_alert(monitor, monitor.deadline_ms, cause, now_ms)
    if not store.mark_down(monitor, cause, alert, now_ms):
        report.lost_races += 1
        return None
    report.marked_down += 1
    return alert
