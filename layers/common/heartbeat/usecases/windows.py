"""Maintenance windows: create, list, read and delete them; what a monitor's GET shows of them; and
their say on every alert about to be published (`held_back`, one of the outbox's hold steps:
usecases/hold.py).

A window holds an alert by moving it, in the outbox, to the window's end in the `due` index: the
sweeper finds it then as it finds any alert to publish, with no scan. Reading the windows is one
Query of their partition, made only when an alert is about to go out (never on a ping).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from heartbeat.domain import windows as domain
from heartbeat.domain.errors import InvalidInput, NotFound, Unavailable
from heartbeat.domain.model import Alert, AlertEvent, Monitor
from heartbeat.domain.silence import DROPPED, HELD
from heartbeat.domain.windows import MAX_WINDOWS, Outage, Span, Verdict, Window
from heartbeat.store import Store

log = logging.getLogger(__name__)


def create(store: Store, window: Window, now_ms: int) -> Window:
    """Store `window` (its id and creation time are given here)."""
    window = domain.checked(replace(window, id=uuid.uuid4().hex, created_ms=now_ms))
    if len(store.windows.all()) >= MAX_WINDOWS:
        raise InvalidInput("body", f"at most {MAX_WINDOWS} maintenance windows; delete one first")
    store.windows.add(window)
    return window


def change(store: Store, window: Window) -> Window:
    store.windows.replace(domain.checked(window))
    return window


def list_windows(store: Store) -> list[Window]:
    return store.windows.all()


def get(store: Store, window_id: str) -> Window:
    return store.windows.get(window_id)


def delete(store: Store, window_id: str) -> None:
    store.windows.delete(window_id)


def maintenance(store: Store, monitor: Monitor, now_ms: int) -> tuple[Span | None, Span | None]:
    """The window the monitor is in now and the next one to open for it."""
    every = store.windows.all()
    return (
        domain.open_for(every, monitor.id, monitor.tags, now_ms),
        domain.next_for(every, monitor.id, monitor.tags, now_ms),
    )


def held_back(store: Store, alert: Alert, now_ms: int) -> bool:
    """True when a window holds or drops `alert` instead of it being published now. Covered is
    judged by the alert's own tags (the monitor's when it was written): no read of the monitor but
    for a held alert whose window has ended."""
    try:
        every = store.windows.all()
        window = domain.open_for(every, alert.monitor_id, alert.tags, now_ms)
        down_alerted = window is not None and alert.event is not AlertEvent.DOWN and _down_alerted(store, alert)
        verdict = domain.judge(alert, window, down_alerted)
        if verdict is Verdict.NEEDS_MONITOR:
            verdict = Verdict.PUBLISH if domain.released(alert, _outage(store, alert)) else Verdict.DROP
    except Unavailable as e:  # left pending: a sweep after its lease asks again
        log.warning("could not read the maintenance windows of an alert (%s); the next sweep asks again", e.code)
        return True
    if verdict is Verdict.HOLD:
        assert window is not None
        store.windows.hold(alert, window.end_ms)
    elif verdict is Verdict.DROP:
        store.silences.drop(alert)
    return verdict is not Verdict.PUBLISH


def _down_alerted(store: Store, alert: Alert) -> bool:
    """Whether the down alert of the outage `alert` (a reminder or a recovery) belongs to went out,
    or will: not held by a window or a snooze, nor dropped."""
    down = store.outbox.down_alert(alert.monitor_id, alert.incident_ms)
    return down is None or down.state not in (domain.WAITING, HELD, DROPPED)


def _outage(store: Store, alert: Alert) -> Outage:
    try:
        monitor = store.monitors.get(alert.monitor_id)
    except NotFound:
        return Outage(None, 0, False)  # deleted: nothing to send
    return Outage(monitor.open_incident_ms, monitor.reminders, monitor.open_acknowledgement is not None)
