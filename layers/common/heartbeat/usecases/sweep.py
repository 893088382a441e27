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
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

from heartbeat.adapters.sns import Publisher
from heartbeat.domain.alerts import LEASE_MS, with_cause_of, with_dependencies
from heartbeat.domain.decisions import MarkDown, Rearm, Remind, Transition, decide_missed, decide_reminder
from heartbeat.domain.dependencies import parents_first
from heartbeat.domain.errors import LostRace, Unavailable
from heartbeat.domain.model import Alert, Monitor
from heartbeat.store import Store
from heartbeat.usecases.dependencies import held_names, parent_down
from heartbeat.usecases.outbox import publish_pending
from heartbeat.usecases.silence import stop_reminders

log = logging.getLogger(__name__)

WORKERS = 8  # boto3 clients are thread-safe; each item is a few independent round trips


@dataclass
class SweepReport:
    due: int = 0  # items the index returned
    marked_down: int = 0
    held_by_parent: int = 0  # marked down while a monitor it depends on is down: its alert held
    misses_tolerated: int = 0  # missed runs below a monitor's failure threshold
    rearmed: int = 0  # a quorum whose instances had moved its deadline on (decisions.Rearm)
    reminders: int = 0
    reminders_stopped: int = 0  # an acknowledged incident's reminder, re-armed by a settings change
    lost_races: int = 0  # a ping or another sweeper got there first
    alerts_sent: int = 0
    alerts_failed: int = 0
    errors: int = 0
    sweeps: int = 1
    errors_at_end: int = 0  # the last sweep's errors: what no later sweep of this run got past

    def add(self, other: SweepReport) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def sweep(store: Store, publisher: Publisher, now_ms: int, workers: int = WORKERS) -> SweepReport:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return _sweep(store, publisher, now_ms, pool)


def _sweep(store: Store, publisher: Publisher, now_ms: int, pool: ThreadPoolExecutor) -> SweepReport:
    # The shards at once: with many of them, a sweep still takes one round trip, not one each.
    found = pool.map(lambda shard: list(store.due.due(shard, now_ms)), store.due.shards())
    items = [item for shard_items in found for item in shard_items]
    outcomes: Counter[str] = Counter()
    for wave in parents_first(items):  # one wave unless a monitor and one it depends on are both due
        handled = pool.map(lambda item: _handle(store, publisher, item, now_ms), wave)
        outcomes.update(outcome for found in handled for outcome in found)
    return SweepReport(due=len(items), **outcomes, errors_at_end=outcomes["errors"])


def sweep_for(
    store: Store,
    publisher: Publisher,
    seconds: float,
    now_ms: Callable[[], int],
    every_s: float = 1.0,
    workers: int = WORKERS,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> SweepReport:
    """Sweep every `every_s` for `seconds` (the seconds detection mode: one scheduled invocation
    a minute that sweeps each second, so a missed deadline alerts within 2 s). Runs
    overlap a little at the minute, which is safe: each item is claimed with a conditional write.
    A sweep that fails leaves its items due for the next one a second later. No sweep starts
    after `seconds`, however long the one before took."""
    began = monotonic()
    total = SweepReport(sweeps=0)
    with ThreadPoolExecutor(max_workers=workers) as pool:  # one pool for the run, not one a second
        while True:
            started = monotonic()
            try:
                last = _sweep(store, publisher, now_ms(), pool)
            except Unavailable as e:  # the index itself could not be read; the next sweep tries again
                log.warning("sweep failed: %s", e.code)
                last = SweepReport(errors=1, errors_at_end=1)
            total.add(last)
            next_at = max(started + every_s, monotonic())
            if next_at - began >= seconds:
                total.errors_at_end = last.errors
                return total
            sleep(next_at - monotonic())


def _handle(store: Store, publisher: Publisher, item: Monitor | Alert, now_ms: int) -> list[str]:
    """What happened to one due item, as SweepReport field names."""
    outcomes = []
    alert: Alert | None = None
    try:
        if isinstance(item, Monitor):
            act = _remind if item.next_reminder_ms is not None else _missed
            outcome, alert = act(store, item, now_ms)
            outcomes.append(outcome)
        elif store.outbox.claim(item, now_ms + LEASE_MS):
            alert = item
        else:
            outcomes.append("lost_races")
        if alert is not None:
            outcomes.append("alerts_sent" if publish_pending(store, publisher, alert, now_ms) else "alerts_failed")
    except Unavailable:
        # One item's failure must not stop the sweep; it is still due and comes back next time.
        log.exception("sweep of one due item failed")
        outcomes.append("errors")
    return outcomes


def _missed(store: Store, monitor: Monitor, now_ms: int) -> tuple[str, Alert | None]:
    # Its parents are read only for a monitor that depends on some: the sweep stays O(overdue).
    parent = parent_down(store, monitor) if monitor.depends_on else None
    decision = decide_missed(monitor, now_ms, parent)
    if not _won(store, monitor, decision, now_ms):
        return "lost_races", None
    if isinstance(decision, MarkDown):
        return ("marked_down" if decision.alert is not None else "held_by_parent"), decision.alert
    return ("rearmed" if isinstance(decision, Rearm) else "misses_tolerated"), None


def _remind(store: Store, monitor: Monitor, now_ms: int) -> tuple[str, Alert | None]:
    if monitor.open_acknowledgement is not None:  # acknowledged: no reminders until it resolves
        return ("reminders_stopped" if stop_reminders(store, monitor) else "lost_races"), None
    decision = decide_reminder(monitor, now_ms)
    if decision is None:  # reminders turned off meanwhile
        return "lost_races", None
    assert decision.alert is not None
    # The monitor does not keep why it is down; the incident's down alert says it (the exit status, the body).
    down = store.outbox.down_alert(monitor.id, decision.alert.incident_ms)
    alert = with_cause_of(decision.alert, down)
    if monitor.holding:  # the monitors its outage holds quiet, by name
        alert = with_dependencies(alert, holding=held_names(store, monitor))
    decision = Remind(write=decision.write, alert=alert)
    if not _won(store, monitor, decision, now_ms):
        return "lost_races", None
    return "reminders", decision.alert


def _won(store: Store, monitor: Monitor, decision: Transition, now_ms: int) -> bool:
    """Whether the sweep's transition was made: a ping or another sweeper may have got there first."""
    try:
        store.transitions.carry_out(monitor.id, decision, now_ms)
    except LostRace:
        return False
    return True
